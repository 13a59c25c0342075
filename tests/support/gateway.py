"""Start a real gateway in this process on loopback ports, and write route files."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.app import Running, start
from gateway.settings import Settings


@dataclass
class GatewayHandle:
    """A started gateway: its URLs and its running state."""

    running: Running
    url: str
    admin: str
    routes_dir: Path

    @property
    def runtime(self) -> Any:
        """The gateway's runtime (routes, services)."""
        return self.running.runtime


def write_route(directory: Path, filename: str, route: dict[str, Any] | str) -> Path:
    """Write a route file atomically, as an editor saving it would appear to the watcher."""
    path = directory / filename
    text = route if isinstance(route, str) else json.dumps(route, indent=2)
    tmp = directory / f".{filename}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


@asynccontextmanager
async def running_gateway(routes_dir: Path, **settings: Any) -> AsyncIterator[GatewayHandle]:
    """A gateway serving `routes_dir` on 127.0.0.1 with free ports."""
    config = {"listen": "127.0.0.1:0", "admin": {"listen": "127.0.0.1:0"}, "routes": str(routes_dir)}
    config.update(settings)
    running = await start(Settings.model_validate(config), shutdown_timeout=5)
    main, admin = running.addresses()[0], running.addresses()[-1]
    try:
        yield GatewayHandle(running, f"http://{main}", f"http://{admin}", routes_dir)
    finally:
        await running.stop()
