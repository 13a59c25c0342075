"""Does RSA signing in `cryptography` let other threads run? A deterministic check, not a timing.

    .venv/bin/python bench/signing_gil.py

Thread A reads thread B's counter, signs, and reads it again, all from C (`map` over C callables,
so no bytecode runs between the reads and the interpreter cannot switch threads there): B can only
advance in between if the call releases the GIL. A call known to hold it (`bytes.count`) is the
control. A signature that always released the GIL would show B advancing in nearly every call.
"""

from __future__ import annotations

import functools
import operator
import statistics
import threading
import time

import cryptography
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

CALLS = 100


def main() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    big = bytes(2 * 10**6)
    ticks = [0]
    stop = threading.Event()

    def count() -> None:
        while not stop.is_set():
            ticks[0] += 1

    threading.Thread(target=count, daemon=True).start()
    time.sleep(0.1)
    read = functools.partial(operator.getitem, ticks, 0)
    jobs = {
        "RSA-2048 sign (PKCS#1 v1.5, SHA-256)": functools.partial(
            key.sign, b"x" * 200, padding.PKCS1v15(), hashes.SHA256()
        ),
        "control: bytes.count (holds the GIL)": functools.partial(big.count, b"y"),
    }
    print(f"cryptography {cryptography.__version__}")
    for name, job in jobs.items():
        moved = []
        for _ in range(CALLS):
            before, _, after = map(operator.call, (read, job, read))
            moved.append(after - before)
        advanced = sum(1 for m in moved if m)
        print(
            f"{name}: the other thread ran during {advanced} of {CALLS} calls (median {statistics.median(moved)} ticks)"
        )
    stop.set()


if __name__ == "__main__":
    main()
