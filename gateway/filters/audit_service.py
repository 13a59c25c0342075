"""AuditService: OpenIG's access audit, one JSON line per request of the routes that name it.

A route's `auditService` (or its older `audit` tag) writes an access event when the route has
answered: transaction (request) id, route, client address, method and path, status, elapsed time
and the route's `audit` tags. Lines go to the `gateway.audit` log (stderr, with the other JSON log
lines), or with a `JsonAuditEventHandler` to `access.audit.json` in its `logDirectory`, as OpenIG
names that file. Other event handlers (CSV, syslog, Elasticsearch, Splunk, JMS, JDBC) are refused:
ship the JSON lines with a log collector instead.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from gateway.heap.scalars import load_time_value
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.heap.context import BuildContext

LOGGER = "gateway.audit"
_JSON_HANDLERS = ("JsonAuditEventHandler", "JsonStdoutAuditEventHandler")
_REFUSED = (
    "is not supported: use JsonAuditEventHandler (a JSON file) or JsonStdoutAuditEventHandler, and ship the lines"
)


class EventHandler(BaseModel):
    """One of OpenIG's audit event handlers: `{class, config}`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    class_: str = Field(alias="class", description="The handler's Java class (its simple name is enough).")
    config: dict[str, Any] = Field(default_factory=dict, description="name, topics, logDirectory, ...")


class AuditService:
    """Writes one access event per request of the routes that use it."""

    class Config(ConfigModel):
        enabled: bool = Field(True, description="Write events (false: none).")
        eventHandlers: list[EventHandler] = Field(default_factory=list, description="Where events go.")

    def __init__(self, logger: logging.Logger | None) -> None:
        self.logger = logger

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Open the sinks once; refuse the handlers with no equivalent."""
        sinks = [_sink(handler, f"eventHandlers[{i}]", ctx) for i, handler in enumerate(config.eventHandlers)]
        files = [sink for sink in sinks if sink is not None]
        if not config.enabled:
            return cls(None)
        return cls(_file_logger(files[0]) if files else logging.getLogger(LOGGER))

    def wrap(self, handler: HandlerFn, route: str, tags: tuple[str, ...]) -> HandlerFn:
        """The route's handler, writing an access event once it has answered (or failed)."""
        logger = self.logger
        if logger is None:
            return handler

        async def audited(request: web.BaseRequest) -> web.StreamResponse:
            started, status = time.perf_counter(), 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except Exception as exc:
                status = getattr(exc, "status", 500)
                raise
            finally:
                logger.info(_event(request, route, tags, status, time.perf_counter() - started))

        return audited


def _event(request: web.BaseRequest, route: str, tags: tuple[str, ...], status: int, elapsed: float) -> str:
    exchange = request[EXCHANGE]
    event = {
        "eventName": "OPENIG-HTTP-ACCESS",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "transactionId": exchange.request_id,
        "route": route,
        "tags": list(tags),
        "client": {"ip": exchange.scope.remote()},
        "http": {"request": {"method": request.method, "path": request.path, "secure": request.secure}},
        "response": {
            "status": "SUCCESSFUL" if status < 500 else "FAILED",
            "statusCode": str(status),
            "elapsedTime": round(elapsed * 1000.0, 3),
            "elapsedTimeUnits": "MILLISECONDS",
        },
    }
    return json.dumps(event, separators=(",", ":"))


def _sink(handler: EventHandler, path: str, ctx: BuildContext) -> str | None:
    """The log directory of a JSON file handler; None for stdout; an error for the others."""
    kind = handler.class_.rsplit(".", 1)[-1]
    if kind not in _JSON_HANDLERS:
        ctx.error(f"{path}.class", f"{kind} {_REFUSED} with a log collector")
        return None
    directory = handler.config.get("logDirectory")
    if kind == "JsonStdoutAuditEventHandler" or directory is None:
        return None
    if isinstance(directory, str) and "${" in directory:
        directory = load_time_value(directory, ctx.where(f"{path}.config.logDirectory"), ctx, set())
    if not isinstance(directory, str) or not Path(directory).is_dir():
        ctx.error(f"{path}.config.logDirectory", f"{directory!r} is not a folder")
        return None
    return str(Path(directory).resolve() / "access.audit.json")


@functools.lru_cache(maxsize=64)
def _file_logger(file: str) -> logging.Logger:
    # One logger and one open file per audit file of the process, however many routes write to it.
    logger = logging.getLogger(f"{LOGGER}.file.{file}")
    handler = logging.FileHandler(file, encoding="utf-8", delay=True)  # opened by the first event, not by a check
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger
