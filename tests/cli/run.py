"""Run the real command line (`python -m gateway ...`) and capture what it printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def gateway(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m gateway ARGS`, waited for; a bounded run, since serve with a bad config exits at once."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
