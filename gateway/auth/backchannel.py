"""The back-channel logout receiver (OpenID Connect Back-Channel Logout 1.0, 2.5 to 2.8) at
`auth.backchannelLogoutPath`.

The provider POSTs `logout_token`; a valid, unreplayed token ends the sessions it names (by `sid`,
or all of the subject's) and is answered 200; anything else 400 with no side effect. Answers are
never cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web
from joserfc import jws
from joserfc.errors import JoseError

from gateway.auth.errors import BadLogoutToken
from gateway.oauth.errors import InvalidToken, ProviderError
from gateway.oauth.logout_token import LogoutToken, LogoutTokenValidator
from gateway.sessions.manager import sessions_of

if TYPE_CHECKING:
    from gateway.auth.flow import BrowserLogin
    from gateway.auth.provider import OidcProvider

log = logging.getLogger("gateway.auth")

REASON = "backchannel_logout"
_NO_STORE = {"Cache-Control": "no-store"}


class BackchannelLogout:
    """The handler at `auth.backchannelLogoutPath`."""

    def __init__(self, login: BrowserLogin) -> None:
        self.login = login
        self._validators: dict[str, LogoutTokenValidator] = {}

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """Check the logout token, end its sessions, answer 200; or 400."""
        if request.method != "POST":
            return web.Response(status=405, headers={"Allow": "POST", **_NO_STORE})
        try:
            token = await self._validate(request)
        except (BadLogoutToken, InvalidToken) as error:
            log.warning("back-channel logout refused: %s", error.reason)
            return _refusal()
        ended = await self._end_sessions(token)
        log.info("back-channel logout from %s ended %d session(s)", token.issuer, ended)
        return web.Response(status=200, headers=_NO_STORE)

    async def _validate(self, request: web.BaseRequest) -> LogoutToken:
        form = await request.post()
        raw = form.get("logout_token")
        if not isinstance(raw, str) or not raw:
            raise BadLogoutToken("no logout_token")
        provider = self._provider_of(raw)
        validator = await self._validator(provider)
        token = await validator.validate(raw)
        # Recorded until the token expires (plus leeway): a replay within its lifetime is refused.
        key = "auth:bcl:" + hashlib.sha256(f"{token.issuer} {token.jti}".encode()).hexdigest()
        ttl = max(token.expires - time.time(), 0) + 120
        if not await self.login.services.store.add(key, b"1", ttl=ttl):
            raise BadLogoutToken(f"logout token {token.jti!r} replayed")
        return token

    def _provider_of(self, raw: str) -> OidcProvider:
        # The unverified issuer only picks whose keys verify the token; it is checked again after.
        issuer = _unverified_claims(raw).get("iss")
        provider = next((p for p in self.login.providers.values() if p.config.issuer == issuer), None)
        if provider is None:
            raise BadLogoutToken(f"no provider with issuer {issuer!r}")
        return provider

    async def _validator(self, provider: OidcProvider) -> LogoutTokenValidator:
        validator = self._validators.get(provider.name)
        if validator is None:
            try:
                metadata, keys = await provider.metadata(), await provider.keys()
            except ProviderError as error:
                raise BadLogoutToken(f"{provider.name}: {error.reason}") from error
            algorithms = provider.config.signingAlgorithms
            validator = LogoutTokenValidator(metadata.issuer, provider.config.clientId, keys, algorithms=algorithms)
            self._validators[provider.name] = validator
        return validator

    async def _end_sessions(self, token: LogoutToken) -> int:
        ended: int = await sessions_of(self.login.services).end_subject(
            token.subject, token.issuer, reason=REASON, initiator="system", sid=token.sid
        )
        return ended


def _unverified_claims(raw: str) -> dict[str, Any]:
    try:
        payload = json.loads(jws.extract_compact(raw.encode("ascii")).payload or b"")
    except (JoseError, ValueError, UnicodeEncodeError) as error:
        raise BadLogoutToken(f"the logout token is not a JWS with a JSON payload: {error}") from error
    if not isinstance(payload, dict):
        raise BadLogoutToken("the logout token payload is not an object")
    return payload


def _refusal() -> web.Response:
    body = json.dumps({"error": "invalid_request", "error_description": "the logout token is not valid"})
    return web.Response(status=400, text=body, content_type="application/json", headers=_NO_STORE)
