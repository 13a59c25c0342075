"""`python -m gateway` with cProfile on the main thread's CPU clock, switched by signals: SIGUSR1 starts
profiling, SIGUSR2 stops it and writes the stats to the file named first on the command line.

Usage: python bench/profiled_gateway.py OUT.prof [-m gateway] serve --config ... (the gateway's arguments)"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys
import time
from types import FrameType

profile = cProfile.Profile(time.thread_time)
out = sys.argv.pop(1)


def _start(signum: int, frame: FrameType | None) -> None:
    profile.enable()


def _stop(signum: int, frame: FrameType | None) -> None:
    profile.disable()
    profile.dump_stats(out)


signal.signal(signal.SIGUSR1, _start)
signal.signal(signal.SIGUSR2, _stop)
# Started as `python profiled_gateway.py OUT -m gateway serve ...` by the bench's gateway runner.
if sys.argv[1:3] == ["-m", "gateway"]:
    del sys.argv[1:3]
runpy.run_module("gateway", run_name="__main__", alter_sys=True)
