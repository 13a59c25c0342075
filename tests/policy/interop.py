"""The AuthZEN API-gateway interop scenario through a real gateway: a bearer-authenticated route
enforcing a PDP's decisions in front of an upstream serving /users/{userId}, /todos, /todos/{todoId}."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.policy.conftest import vectors
from tests.support.auth_routes import provider
from tests.support.gateway import GatewayHandle, write_route
from tests.support.signer_issuer import AUDIENCE, SignerIssuer
from tests.support.upstream import Upstream

ROWS = vectors("api-gateway-decisions.json")["evaluation"]
TEMPLATES = ["/users/{userId}", "/todos", "/todos/{todoId}"]
CONCRETE = {"/users/{userId}": "/users/rick@the-citadel.com", "/todos": "/todos", "/todos/{todoId}": "/todos/42"}


def signer_provider(signer: SignerIssuer) -> dict[str, Any]:
    """The test issuer as a global OidcProvider."""
    return provider("signer", signer.url)


def interop_route(upstream: str, pdp: Any, **pep: Any) -> dict[str, Any]:
    """BearerTokenFilter then PolicyEnforcementFilter (with the interop templates), then the upstream."""
    filters = [
        {"type": "BearerTokenFilter", "config": {"provider": "signer", "audience": AUDIENCE}},
        {"type": "PolicyEnforcementFilter", "config": {"pdp": pdp, "resources": TEMPLATES, **pep}},
    ]
    chain = {"type": "Chain", "config": {"filters": filters, "handler": "ClientHandler"}}
    return {"name": "interop", "baseURI": upstream, "handler": chain}


def write_interop_route(routes_dir: Path, upstream: Upstream, pdp: Any, **pep: Any) -> None:
    """The one route of the gateway under test."""
    write_route(routes_dir, "10-interop.json", interop_route(upstream.url, pdp, **pep))


@dataclass
class Outcome:
    """What one row did: the status, and whether the upstream saw the request."""

    row: int
    expected: bool
    status: int
    forwarded: bool

    @property
    def right(self) -> bool:
        """Proxied exactly when permitted, 403 (never forwarded) otherwise."""
        if self.expected:
            return self.status == 200 and self.forwarded
        return self.status == 403 and not self.forwarded


async def run_rows(
    gateway: GatewayHandle, signer: SignerIssuer, upstream: Upstream, http: aiohttp.ClientSession
) -> list[Outcome]:
    """Send every row of the interop table through the gateway."""
    out = []
    for index, row in enumerate(ROWS):
        request = row["request"]
        token = signer.access_token(sub=request["subject"]["id"])
        path = CONCRETE[request["resource"]["id"]]
        before = len(upstream.seen)
        async with http.request(
            request["action"]["name"], f"{gateway.url}{path}", headers={"Authorization": f"Bearer {token}"}
        ) as response:
            await response.read()
            status = response.status
        forwarded = len(upstream.seen) > before
        out.append(Outcome(index, row["expected"], status, forwarded))
    return out
