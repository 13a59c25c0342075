"""The device endpoints on the main listener: `<auth.devicePath>/authorize` and `/token`.

Both take an `application/x-www-form-urlencoded` POST (RFC 6749 3.2, RFC 8628 3.1 and 3.4) and
answer JSON that is never cached; errors are `{"error": ...}` as RFC 6749 5.2 writes them. The
authorize endpoint is limited per client address (`device_limit`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gateway.auth.device_broker import DeviceBroker, DeviceGrantError
from gateway.auth.device_limit import DeviceRateLimit
from gateway.errors import GatewayError
from gateway.oauth.errors import ProviderError
from gateway.services import ServiceKey, Services
from gateway.stores.base import StoreUnavailable

if TYPE_CHECKING:
    from gateway.settings import Settings

log = logging.getLogger("gateway.filters.device_flow")

_FORM = "application/x-www-form-urlencoded"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

Action = Callable[[Mapping[str, str]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class DevicePaths:
    """Where the device endpoints live (settings `auth.devicePath`)."""

    authorize: str
    token: str

    @classmethod
    def from_settings(cls, settings: Settings) -> DevicePaths:
        """`<devicePath>/authorize` and `<devicePath>/token`."""
        base = settings.auth.devicePath.rstrip("/")
        return cls(f"{base}/authorize", f"{base}/token")


DEVICE_BROKER = ServiceKey("auth.device_broker", DeviceBroker)


def install_device_endpoints(services: Services) -> DeviceBroker:
    """The app's device broker, its endpoints registered on the main listener on first call."""
    found = services.feature(DEVICE_BROKER)
    if found is not None:
        return found
    broker = services.add_feature(DEVICE_BROKER, DeviceBroker(services))
    paths = DevicePaths.from_settings(services.settings)
    services.endpoints[paths.authorize] = DeviceEndpoint(broker.authorize, DeviceRateLimit.from_settings(services))
    services.endpoints[paths.token] = DeviceEndpoint(broker.token)
    return broker


class DeviceEndpoint:
    """One device endpoint: count the client (if limited), read the form, run the broker's action, answer JSON."""

    def __init__(self, action: Action, limit: DeviceRateLimit | None = None) -> None:
        self.action = action
        self.limit = limit

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """Answer one request; every failure is an OAuth error answer."""
        if request.method != "POST":
            return _answer(405, {"error": "invalid_request", "error_description": "use POST"}, Allow="POST")
        try:
            if self.limit is not None:
                await self.limit.check(request)
            return _answer(200, await self.action(await _form(request)))
        except DeviceGrantError as error:
            body = {"error": error.error}
            if error.description:
                body["error_description"] = error.description
            return _answer(error.status, body, **error.headers)
        except StoreUnavailable as error:
            log.warning("device endpoint %s: %s", request.path, error)
            return _unavailable()
        except GatewayError as error:
            log.warning("device endpoint %s: %s: %s", request.path, error.code, error.reason)
            if isinstance(error, ProviderError) or error.status == 503:
                return _unavailable()
            return _answer(502, {"error": "server_error"})


async def _form(request: web.BaseRequest) -> dict[str, str]:
    if request.content_type != _FORM:
        raise DeviceGrantError("invalid_request", f"send the parameters as {_FORM}")
    try:
        form = await request.post()
    except (ValueError, web.HTTPException) as error:
        raise DeviceGrantError("invalid_request", "unreadable form") from error
    values: dict[str, str] = {}
    for name, value in form.items():
        if name in values or not isinstance(value, str):
            # RFC 6749 3.1: a parameter sent twice makes the request invalid.
            raise DeviceGrantError("invalid_request", f"parameter {name!r} repeated or not text")
        values[name] = value
    return values


def _unavailable() -> web.Response:
    """The provider or the shared state is out of reach: the client may retry (RFC 6749 4.1.2.1)."""
    return _answer(503, {"error": "temporarily_unavailable"}, **{"Retry-After": "5"})


def _answer(status: int, body: dict[str, Any], **headers: str) -> web.Response:
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers={**_NO_STORE, **headers}
    )
