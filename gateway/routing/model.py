"""The top level of a route file, as a typed model that also documents it in the JSON Schema."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gateway.heap.fields import Ref
from gateway.validation import ConfigModel

CAPTURE_POINTS = ("request", "filtered_request", "response", "filtered_response", "all")


class MonitorConfig(ConfigModel):
    """Statistics collection for a route."""

    enabled: bool = Field(True, description="Collect statistics for this route.")
    percentiles: list[float] = Field(
        default_factory=lambda: [0.5, 0.9, 0.99], description="Response-time percentiles to report (0 < p < 1)."
    )


class RouteFile(ConfigModel):
    """A route: which requests it takes (condition) and how it handles them (handler)."""

    name: str | None = Field(None, description="Route name; defaults to the file name without .json.")
    condition: str | None = Field(
        None, description="Expression deciding whether this route takes the request; absent = every request."
    )
    baseURI: str | None = Field(None, description="Upstream origin, e.g. http://app.internal:8080.")
    heap: list[Any] = Field(default_factory=list, description="Named objects: {name, type, config}.")
    handler: Ref = Field(description="The route's handler: a heap name or an inline object.")
    capture: str | list[str] | None = Field(
        None, description=f"Capture points for the route's messages: {', '.join(CAPTURE_POINTS)}."
    )
    globalDecorators: dict[str, Any] = Field(
        default_factory=dict,
        description="Decorations for every filter and handler of the route: decorator name → setting, "
        'e.g. {"capture": "all"}.',
    )
    session: Ref | None = Field(
        None, description="A JwtSession (heap name or inline): the route's `session` map, kept in a sealed cookie."
    )
    auditService: Ref | None = Field(
        None, description="An AuditService (heap name or inline): one access event per request of the route."
    )
    audit: bool | str | list[str] | None = Field(
        None, description="Tags of the route's access events (OpenIG's audit decorator); true: no tag."
    )
    timer: bool = Field(False, description="Time every filter and handler of the route (statistics and Prometheus).")
    monitor: bool | MonitorConfig | None = Field(None, description="Collect statistics for this route.")
    allowDoubleEncoding: bool = Field(
        False,
        description="Take paths still percent-encoded after one decoding (/%2561 is /%61), forwarded as "
        "sent; otherwise such a path matched to this route is refused with 400.",
    )
    comment: Any = Field(None, description="Notes for humans, any value; ignored (as are `comments` and `_...` keys).")
