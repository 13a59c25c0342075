"""What a browserless client does against the gateway's device endpoints, and a gateway set up for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from idp.driver import API_RESOURCE, IdP, approve_device, browser
from tests.support.auth_routes import auth_route, provider
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.redis_server import RedisServer

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AUTHORIZE = "/oauth2/device/authorize"
TOKEN = "/oauth2/device/token"
HEADERS = {"X-User": "${identity.sub}", "X-Email": "${identity.claims.email}", "X-Method": "${identity.method}"}


async def post(http: aiohttp.ClientSession, url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """POST a form; (status, JSON answer)."""
    async with http.post(url, data=form) as response:
        assert response.headers["Cache-Control"] == "no-store"
        return response.status, await response.json()


async def start(http: aiohttp.ClientSession, gateway: str, **form: str) -> dict[str, Any]:
    """A device authorization at the gateway; fails the test unless it is granted."""
    status, answer = await post(http, gateway + AUTHORIZE, form)
    assert status == 200, answer
    return answer


async def poll(http: aiohttp.ClientSession, gateway: str, handle: str) -> tuple[int, dict[str, Any]]:
    """One device access token request."""
    return await post(http, gateway + TOKEN, {"grant_type": DEVICE_GRANT, "device_code": handle})


async def device_login(http: aiohttp.ClientSession, gateway: str, idp: IdP, user: str, **form: str) -> str:
    """A whole device login, the user approving before the first poll: the gateway session token."""
    grant = await start(http, gateway, **form)
    async with browser() as person:
        await approve_device(person, idp, grant["user_code"], user)
    status, answer = await poll(http, gateway, grant["device_code"])
    assert status == 200, answer
    return str(answer["access_token"])


@asynccontextmanager
async def device_gateway(
    routes_dir: Path, state: Path, upstream: str, providers: dict[str, IdP], **settings: Any
) -> AsyncIterator[GatewayHandle]:
    """A gateway offering each provider for device login: `/dev-<name>` routes, and `/mixed` where a
    BearerTokenFilter comes before the DeviceFlowFilter of the first provider."""
    first = next(iter(providers))
    scopes = ["openid", "email", "profile", "groups"]
    for name in providers:
        device = ("DeviceFlowFilter", {"provider": name, "scopes": scopes, "identityHeaders": HEADERS})
        write_route(routes_dir, f"10-{name}.json", auth_route(f"dev-{name}", f"/dev-{name}", upstream, device))
    bearer = ("BearerTokenFilter", {"provider": first, "audience": API_RESOURCE, "identityHeaders": HEADERS})
    device = ("DeviceFlowFilter", {"provider": first, "identityHeaders": HEADERS})
    write_route(routes_dir, "20-mixed.json", auth_route("mixed", "/mixed", upstream, bearer, device))
    heap = [provider(name, idp.issuer) for name, idp in providers.items()]
    async with running_gateway(routes_dir, heap=heap, state=str(state), **settings) as handle:
        yield handle


async def sharing_instances(
    stack: AsyncExitStack, kind: str, folder: Path, upstream: str, idp: IdP, **settings: Any
) -> tuple[GatewayHandle, GatewayHandle]:
    """Two device gateways sharing one store: a real redis-server (`kind` "redis") or one embedded file."""
    if kind == "redis":
        settings["store"] = {"redis": {"url": stack.enter_context(RedisServer()).url}}
    else:
        settings["store"] = {"embedded": {"path": str(folder / "shared.db")}}
    handles = []
    for name in ("a", "b"):
        routes = folder / f"routes-{name}"
        routes.mkdir()
        gateway = device_gateway(routes, folder / f"state-{name}", upstream, {"idp": idp}, **settings)
        handles.append(await stack.enter_async_context(gateway))
    return handles[0], handles[1]
