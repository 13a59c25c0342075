"""Capture in one gateway process: the writer's lifetime and the `services.decorate` hook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from gateway.capture.headrecorder import HeadRecorder
from gateway.capture.points import parse_capture
from gateway.capture.recorder import Recorder
from gateway.capture.writer import CaptureWriter
from gateway.capturing.wrap import wrap
from gateway.filters.capture import CaptureDecorator
from gateway.services import BuildSite, ServiceKey, Services

if TYPE_CHECKING:
    from aiohttp import web


T = TypeVar("T")
# Where the route loader decorates the route's own handler: that capture sees the client's request.
ROUTE_CAPTURE_PATH = "$.capture"


class Capture:
    """Decorates heap objects and routes with capture, and runs the writer thread."""

    def __init__(self, services: Services) -> None:
        settings = services.settings.capture
        counter = services.metrics.capture_dropped
        folder = Path(settings.dir).resolve()
        self.writer = CaptureWriter(folder, settings.maxFileSize, settings.backups, counter)

    def decorate(self, obj: T, spec: object, path: str, ctx: BuildSite, name: str) -> T:
        """`obj` wrapped (same methods) to capture at the points `spec` names, or `obj` when there is nothing to do."""
        parsed = parse_capture(spec, path, ctx)
        if parsed is None:
            return obj
        where = f"{path}.decorator" if isinstance(spec, dict) else path
        decorator = ctx.resolve(parsed.decorator, where, CaptureDecorator)
        if decorator is None:
            return obj
        kind = HeadRecorder if decorator.heads else Recorder
        recorder = kind(decorator, self.writer, name, parsed.points, inbound=path == ROUTE_CAPTURE_PATH)
        wrapped = wrap(obj, recorder)
        if wrapped is None:
            ctx.error(path, f"capture applies to filters and handlers, not to a {type(obj).__name__}")
            return obj
        wrapper: T = wrapped
        return wrapper

    async def lifetime(self, app: web.Application) -> AsyncIterator[None]:
        """Run the writer while the app runs; on the way out, write what is queued."""
        self.writer.start()
        yield
        await asyncio.to_thread(self.writer.stop)


CAPTURE = ServiceKey("capture", Capture)


def install_capture(services: Services) -> Capture:
    """Give `services` the capture hook and the writer's lifetime."""
    capture = Capture(services)
    services.decorate = capture.decorate
    services.lifetimes.append(capture.lifetime)
    return services.add_feature(CAPTURE, capture)
