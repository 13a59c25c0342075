"""Several gateway instances on one Redis behind nginx, with the real OpenID provider and an echo upstream.

Three `gateway serve` processes share one gateway.yaml (the store, the session secret, the provider)
and one routes folder; nginx spreads requests over them in turn, and its `X-Served-By` header says
which instance answered. Routes: `/app` needs a browser login, `/limited` a login and at most
LIMIT requests a minute per user, `/dev` a device login; everything else is public.

    async with running_cluster(tmp_path, {"redis": {"url": server.url}}) as cluster:
        async with html_browser() as browser:
            await login(browser, cluster.url + "/app/start", "alice")
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from idp.driver import IdP
from tests.support.auth_routes import auth_route
from tests.support.balancer import SERVED_BY, Balancer
from tests.support.gateway import write_route
from tests.support.login_support import (
    IDENTITY_HEADERS,
    idp_provider,
    login_route,
    public_route,
    real_idp,
    session_alive,
)
from tests.support.process import GatewayProcess, free_port
from tests.support.upstream import Upstream, running_upstream

INSTANCES = 3
LIMIT = 100  # requests per minute per user on /limited
JSON = {"Accept": "application/json"}


@dataclass
class Cluster:
    """The balancer's URL, the instances behind it, and the provider and upstream they use."""

    balancer: Balancer
    instances: list[GatewayProcess]
    idp: IdP
    upstream: Upstream

    @property
    def url(self) -> str:
        """Where clients go: the balancer."""
        return self.balancer.url

    def served_by(self, response: aiohttp.ClientResponse) -> int:
        """Which instance (its index) answered a response that came through the balancer."""
        port = int(response.headers[SERVED_BY].rpartition(":")[2])
        return [instance.port for instance in self.instances].index(port)


def cluster_routes(upstream: str) -> dict[str, dict[str, Any]]:
    """The route files every instance serves."""
    login = ("OidcLoginFilter", {"providers": ["corp"], "identityHeaders": IDENTITY_HEADERS})
    rate = {"numberOfRequests": LIMIT, "duration": "1 minute"}
    throttle = ("ThrottlingFilter", {"requestGroupingPolicy": "${identity.sub}", "rate": rate})
    device = ("DeviceFlowFilter", {"provider": "corp", "identityHeaders": IDENTITY_HEADERS})
    return {
        "10-app.json": login_route(upstream, ["corp"]),
        "20-limited.json": auth_route("limited", "/limited", upstream, login, throttle),
        "30-device.json": auth_route("device", "/dev", upstream, device),
        "90-public.json": public_route(upstream),
    }


def _shared_config(folder: Path, store: Mapping[str, Any], idp: IdP) -> Path:
    config = {
        "store": dict(store),
        "sessions": {"secret": "cluster-session-secret-" + "s" * 16},  # one cookie key for every instance
        "trustedProxies": ["127.0.0.1/32"],  # nginx: believe its X-Forwarded-*
        "heap": [idp_provider("corp", idp)],
        "state": "state",  # each instance's own working folder
    }
    path = folder / "gateway.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@asynccontextmanager
async def running_cluster(folder: Path, store: Mapping[str, Any]) -> AsyncIterator[Cluster]:
    """INSTANCES gateways sharing `store` (the `store:` section of gateway.yaml) behind nginx."""
    async with AsyncExitStack() as stack:
        upstream = await stack.enter_async_context(running_upstream())
        port = free_port()  # the provider must know the balancer's callback URL before it starts
        idp = await stack.enter_async_context(real_idp(f"http://127.0.0.1:{port}"))
        config = _shared_config(folder, store, idp)
        routes = folder / "routes"
        routes.mkdir()
        for filename, route in cluster_routes(upstream.url).items():
            write_route(routes, filename, route)
        instances = []
        for index in range(INSTANCES):
            workdir = folder / f"instance-{index}"
            workdir.mkdir()
            instances.append(GatewayProcess(routes, workdir=workdir, config_file=config))
            stack.callback(instances[-1].stop)
        # Started in threads: the upstream they reach at start-up answers from this event loop.
        await asyncio.gather(*(asyncio.to_thread(instance.start) for instance in instances))
        balancer = Balancer(folder / "nginx", [instance.port for instance in instances], port)
        stack.callback(balancer.stop)
        await asyncio.to_thread(balancer.start)
        yield Cluster(balancer, instances, idp, upstream)


def cookie_of(browser: aiohttp.ClientSession, name: str = "gw_session") -> str:
    """The gateway session cookie(s) in a browser's jar, as a Cookie header."""
    return "; ".join(f"{c.key}={c.value}" for c in browser.cookie_jar if c.key.startswith(name) and c.value)


async def ended_everywhere_within(cluster: Cluster, cookie: str, seconds: float) -> list[bool]:
    """Poll every instance directly until the session is refused; which ones refused it in time."""
    deadline = time.monotonic() + seconds
    refused = [False] * len(cluster.instances)
    while not all(refused) and time.monotonic() < deadline:
        for index, instance in enumerate(cluster.instances):
            refused[index] = refused[index] or not await session_alive(instance, cookie)
        await asyncio.sleep(0.02)
    return refused
