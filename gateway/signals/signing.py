"""SET signing off the event loop: a small process pool owned by the signals' lifetime.

An RS256 signature costs about a millisecond of CPU per SET, and the JWS around it (JSON, base64,
JWE when a stream asks for it) runs in Python; on the worker's event loop a burst of logouts would
hold up every proxied request of other users. The pool's processes sign instead; the caller awaits
the token, so that the SET is still in the outbox before the session end returns. At most `queue`
SETs wait for a signature at once; later ones wait for a free slot (back-pressure, not loss).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from joserfc.jwk import Key, RSAKey, import_key

from gateway.oauth.set import SetSigner

log = logging.getLogger("gateway.signals")
QUEUE = 256

_signer: SetSigner | None = None  # in a pool process: the one signer, made once


class SigningPool:
    """Signs with `signer`'s key in `processes` processes (0: on a thread of this process)."""

    def __init__(self, signer: SetSigner, processes: int, queue: int = QUEUE) -> None:
        self.signer = signer
        self._processes = processes
        self._slots = asyncio.Semaphore(queue)
        self._pool: ProcessPoolExecutor | None = None
        self._ready: Future[float] | None = None

    def start(self) -> None:
        """Start the processes now (not at the first logout)."""
        if self._processes > 0:
            self._pool = self._new_pool()

    async def sign(self, claims: Mapping[str, Any], encrypt_to: Key | None = None) -> str:
        """The compact JWS (or JWE) of `claims`, made off the event loop."""
        async with self._slots:
            if self._pool is None or self._ready is None or not self._ready.done():
                # No pool, or its process still starting: a thread, rather than make a session end wait.
                return await asyncio.to_thread(self.signer.sign, claims, encrypt_to)
            wrap = None if encrypt_to is None else encrypt_to.as_dict(private=False)
            try:
                return await asyncio.wrap_future(self._pool.submit(_sign, dict(claims), wrap))
            except BrokenProcessPool:
                # The signing process died (killed, out of memory): a new one, and this SET on a thread.
                log.warning("the SET signing process died; starting another")
                self._pool = self._new_pool()
                return await asyncio.to_thread(self.signer.sign, claims, encrypt_to)

    def stop(self) -> None:
        """Stop the processes; SETs being signed now fail (their session end has not returned)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the worker has threads (the store's, aiohttp's resolver) a fork would copy mid-lock.
        key = dict(self.signer.key.as_dict(private=True))
        pool = ProcessPoolExecutor(
            self._processes, multiprocessing.get_context("spawn"), _start, (self.signer.issuer, key, os.getpid())
        )
        self._ready = pool.submit(time.time)  # spawns the processes now; done once one can sign
        return pool


def _start(issuer: str, key: dict[str, Any], parent: int) -> None:
    """In a new pool process: the signer, and a watch that ends the process if its worker dies."""
    global _signer
    _signer = SetSigner(issuer, RSAKey.import_key(key))
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="signals-parent-watch").start()


def _watch(parent: int) -> None:
    # A worker killed with SIGKILL cannot stop its pool; its processes notice they were re-parented.
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _sign(claims: dict[str, Any], encrypt_to: dict[str, Any] | None) -> str:
    """In a pool process: sign (and encrypt) one SET."""
    assert _signer is not None, "the pool's initializer makes the signer"
    return _signer.sign(claims, None if encrypt_to is None else import_key(encrypt_to))
