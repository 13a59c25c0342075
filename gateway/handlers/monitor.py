"""MonitorEndpointHandler: OpenIG's monitoring endpoint, the statistics of every monitored route as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from aiohttp import web

from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.services import Services


@dataclass(eq=False)
class MonitorEndpointHandler:
    """Answers with `{route name: statistics}` for every route whose `monitor` is on and that has served."""

    class Config(ConfigModel):
        pass

    services: Services

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Nothing to compile: the statistics are the process's."""
        return cls(ctx.services)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """The statistics as JSON."""
        return web.json_response(self.services.metrics.traffic.monitored())
