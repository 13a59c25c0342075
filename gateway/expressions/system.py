"""Load-time settings of the compiler: the configuration folder and the `system[...]` properties.

OpenIG's `system` is Java's system properties. Expressions here see a documented set of them, mapped
to what the process knows (`user.home`, `openig.base`, ...); they are fixed for the life of the
process, so `${system['user.home']}` is a constant folded at load time.
"""

from __future__ import annotations

import functools
import getpass
import os
import platform
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return ""


def system_properties(base: Path | None) -> Mapping[str, str]:
    """The documented `system[...]` names; `openig.base` is the configuration folder."""
    folder = str(base if base is not None else Path.cwd())
    return MappingProxyType(
        {
            "user.home": str(Path.home()),
            "user.name": _user(),
            "user.dir": str(Path.cwd()),
            "java.io.tmpdir": tempfile.gettempdir(),
            "os.name": platform.system(),
            "os.arch": platform.machine(),
            "file.separator": os.sep,
            "path.separator": os.pathsep,
            "line.separator": os.linesep,
            "openig.base": folder,
            "ig.instance.dir": folder,
        }
    )


@dataclass(frozen=True)
class Options:
    """Where file functions may read (None: nowhere), and the `system` properties."""

    base: Path | None = None
    system: Mapping[str, str] = field(default_factory=lambda: system_properties(None))

    @classmethod
    def at(cls, base: Path | None) -> Options:
        """Options for templates of a configuration folder (one object per folder)."""
        return _options(base.resolve() if base is not None else None)


@functools.lru_cache(maxsize=64)
def _options(base: Path | None) -> Options:
    return Options(base, system_properties(base))


DEFAULT_OPTIONS = Options()
