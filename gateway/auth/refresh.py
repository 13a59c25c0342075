"""Access token refresh for browser sessions (RFC 6749 6; OpenID Connect Core 12).

A token is refreshed when it expires within the filter's margin; the session manager runs one
refresh per session however many requests wait for it. A refused refresh ends the session; a
provider that cannot be reached leaves the tokens as they are while the access token still lives,
so that a short outage logs nobody out, and past that ends the session, unless the filter says
`keep` (then the session lasts until its own expiry, retrying the refresh on later requests).
A new id_token in the answer must name the same subject.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import TYPE_CHECKING

from gateway.auth.errors import LoginFailed
from gateway.oauth import tokens
from gateway.oauth.errors import ProviderError, SubjectMismatch
from gateway.sessions.manager import sessions_of
from gateway.sessions.model import Tokens

if TYPE_CHECKING:
    from gateway.auth.flow import BrowserLogin
    from gateway.auth.provider import OidcProvider
    from gateway.sessions.model import Session

log = logging.getLogger("gateway.auth")


class Refresher:
    """Refreshes the tokens of browser sessions."""

    def __init__(self, login: BrowserLogin, before: float, *, keep: bool = False) -> None:
        self.login = login
        self.before = before
        self.keep = keep

    def due(self, session: Session) -> bool:
        """Whether the access token expires within the margin and can be refreshed."""
        t = session.tokens
        return t.refresh_token is not None and t.expires_at is not None and t.expires_at - time.time() < self.before

    async def refresh(self, session: Session) -> Session:
        """The session with fresh tokens (one refresh per session at a time); raises when it ended."""
        provider = self.login.providers.get(session.provider)
        if provider is None:
            raise LoginFailed(f"provider {session.provider!r} is not configured any more")
        return await sessions_of(self.login.services).refresh_once(session, partial(self._tokens, provider))

    async def _tokens(self, provider: OidcProvider, session: Session) -> Tokens:
        old = session.tokens
        assert old.refresh_token is not None  # due() checked it
        metadata = await provider.metadata()
        try:
            answer = await tokens.refresh(
                provider.http(), metadata.token_endpoint, provider.credentials,
                refresh_token=old.refresh_token, resource=provider.config.resource,
            )  # fmt: skip
        except ProviderError as error:
            if self.keep or (old.expires_at is not None and old.expires_at > time.time()):
                log.warning("refresh of session %s… postponed: %s", session.id[:8], error.reason)
                return old
            raise
        id_token = old.id_token
        if answer.id_token is not None:
            claims = await (await provider.id_token_validator()).validate(answer.id_token, nonce=None)
            if claims["sub"] != session.subject:
                raise SubjectMismatch("the refreshed id_token names another subject")
            id_token = answer.id_token
        expires_at = time.time() + answer.expires_in if answer.expires_in is not None else None
        return Tokens(answer.access_token, answer.refresh_token or old.refresh_token, id_token, expires_at)
