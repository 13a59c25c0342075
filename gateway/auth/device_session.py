"""The end of a device authorization: the provider's tokens become a gateway device session.

The id_token is validated like a browser login's (OpenID Connect Core 3.1.3.7, no nonce: the
device grant has none), the userinfo `sub` must equal it, and the session's bearer token is a
gateway handle: the provider's tokens never reach the client.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from gateway.auth.callback import PROTOCOL_CLAIMS
from gateway.oauth import tokens
from gateway.oauth.errors import InvalidToken
from gateway.sessions.manager import sessions_of
from gateway.sessions.model import Tokens

if TYPE_CHECKING:
    from gateway.auth.provider import OidcProvider
    from gateway.oauth.tokens import TokenResponse
    from gateway.services import Services
    from gateway.sessions.model import Session

METHOD = "device"


class DeviceSessions:
    """Creates device sessions from token responses, one id_token validator per provider."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def create(self, provider: OidcProvider, answer: TokenResponse) -> tuple[Session, str]:
        """A new device session and its bearer token."""
        if answer.id_token is None:
            raise InvalidToken("the device token response has no id_token")
        validator = await provider.id_token_validator()
        claims = await validator.validate(answer.id_token, nonce=None)
        info: dict[str, Any] = {}
        metadata = await provider.metadata()
        if metadata.userinfo_endpoint and not provider.config.resource:
            info = await tokens.userinfo(
                provider.http(), metadata.userinfo_endpoint, answer.access_token, expected_sub=claims["sub"]
            )
        user = {k: v for k, v in {**info, **claims}.items() if k not in PROTOCOL_CLAIMS}
        expires_at = time.time() + answer.expires_in if answer.expires_in is not None else None
        sessions = sessions_of(self.services)
        session = await sessions.create(
            subject=claims["sub"], issuer=validator.issuer, provider=provider.name, method=METHOD,
            claims=provider.map_claims(user),
            tokens=Tokens(answer.access_token, answer.refresh_token, answer.id_token, expires_at),
        )  # fmt: skip
        return session, await sessions.issue_token(session)
