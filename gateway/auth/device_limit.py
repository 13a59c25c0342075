"""A per-client-address limit on starting device authorizations (settings `auth.deviceAuthorizeRate`).

Each device authorization makes the gateway call the provider and keep a pending record, so a
client looping on the endpoint would load the provider and fill the store. A token bucket per
address refuses the excess before the form is read. The bucket lives in the shared store rather
than in the per-process counters ThrottlingFilter uses, so that the limit holds across workers, and
with Redis across instances: this endpoint is far from the hot path and writes to the store anyway.

The refusal is 429 with Retry-After and `{"error": "slow_down"}`, RFC 8628's code for a client
asking too often, which device clients already know; `temporarily_unavailable` (this endpoint's
503) would put the fault on the gateway instead.
"""

from __future__ import annotations

import ipaddress
import math
from typing import TYPE_CHECKING

from aiohttp import web

from gateway.auth.device_broker import DeviceGrantError
from gateway.keys import EXCHANGE

if TYPE_CHECKING:
    from gateway.services import Services

CODE = "device_rate_limited"
_KEY = "device-authorize:"


class DeviceRateLimit:
    """At most `requests` device authorizations per `period` seconds from one client address."""

    def __init__(self, services: Services, requests: int, period: float) -> None:
        self.services = services
        self.requests = requests
        self.period = period

    @classmethod
    def from_settings(cls, services: Services) -> DeviceRateLimit | None:
        """The configured limit; None when `deviceAuthorizeRate` is null."""
        rate = services.settings.auth.deviceAuthorizeRate
        return None if rate is None else cls(services, rate.numberOfRequests, rate.duration)

    async def check(self, request: web.BaseRequest) -> None:
        """Count one authorization from the request's client; DeviceGrantError (429) past the limit."""
        group = client_group(request[EXCHANGE].scope.remote())
        take = await self.services.store.take(_KEY + group, self.requests, self.period)
        if take.allowed:
            return
        self.services.metrics.denials.labels(CODE).inc()
        retry = max(1, math.ceil(take.retry_after))
        description = f"too many device authorizations from this address; retry in {retry} s"
        raise DeviceGrantError("slow_down", description, 429, headers={"Retry-After": str(retry)})


def client_group(address: str | None) -> str:
    """The bucket of a client address: IPv4 as is, IPv6 by its /64, which one host often holds whole."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
