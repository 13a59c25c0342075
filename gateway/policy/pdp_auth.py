"""How a PEP authenticates to a remote PDP: a static bearer token, or an access token of its own
from an OpenID provider's token endpoint (client credentials grant, RFC 6749 4.4), renewed before
it expires and at once when the PDP refuses it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from gateway.errors import GatewayError
from gateway.oauth.tokens import client_credentials
from gateway.policy.decision import PdpError

# Renew this long before the token's expiry, so that no request carries a token about to lapse.
MARGIN = 30.0


class ClientCredentialsToken:
    """The PEP's own access token from `provider` (an OidcProvider: its discovery and client)."""

    def __init__(self, provider: Any, scope: str | None, resource: str | None) -> None:
        self.provider = provider
        self.scope, self.resource = scope, resource
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def header(self, http: aiohttp.ClientSession) -> dict[str, str]:
        """`Authorization: Bearer <token>`, fetching a token when there is none fresh."""
        if self._token is None or time.monotonic() >= self._expires:
            async with self._lock:
                if self._token is None or time.monotonic() >= self._expires:
                    await self._fetch(http)
        return {"Authorization": f"Bearer {self._token}"}

    def drop(self) -> None:
        """Forget the token (the PDP refused it)."""
        self._token = None

    async def _fetch(self, http: aiohttp.ClientSession) -> None:
        try:
            metadata = await self.provider.metadata()
            answer = await client_credentials(
                http, metadata.token_endpoint, self.provider.credentials, scope=self.scope, resource=self.resource
            )
        except GatewayError as error:
            raise PdpError(f"no access token for the PDP from {self.provider.name}: {error.reason}") from error
        lifetime = answer.expires_in if answer.expires_in is not None else 300
        self._token, self._expires = answer.access_token, time.monotonic() + max(lifetime - MARGIN, lifetime / 2)
