"""Routes that stand in for a file that failed to load, so that its traffic never falls through.

A file whose condition is known (it compiled, or there is none) refuses exactly the requests that
condition takes. A file whose condition is unknown (bad JSON, a condition that does not compile)
becomes a placeholder with no condition: it refuses every request that reaches its position, since
any of them might have been its own. Either answers 503 with a generic page and the request id;
the reason stays in the log and the admin API, never in the client's answer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gateway.errors import RouteFailClosed
from gateway.keys import EXCHANGE
from gateway.routing.route import Route

if TYPE_CHECKING:
    from aiohttp import web

    from gateway.routing.loader import LoadResult

# The client learns only that the route is unavailable; which file and why is for the operator.
PUBLIC = "This service is temporarily unavailable."


def fail_closed_route(result: LoadResult, file: str) -> Route:
    """A route refusing its own condition's requests, or (condition unknown) every request reaching it."""
    name = result.name or Path(file).stem
    condition = result.condition if result.condition_ok else None
    what = "its condition's requests" if result.condition_ok else "every request reaching its position"
    reason = f"route file {file} failed to load; refusing {what}"

    async def refuse(request: web.BaseRequest) -> web.StreamResponse:
        request[EXCHANGE].route = route
        raise RouteFailClosed(reason, public=PUBLIC)

    route = Route(name, file, condition, refuse, fail_closed=True)
    return route
