"""The redirection endpoint of the authorization code flow (RFC 6749 4.1.2, OpenID Connect Core
3.1.2.5 and 3.1.3): check the transaction, exchange the code, validate the id_token, check the
userinfo `sub`, create the session, and send the browser back where it started.

The `state` must name a transaction cookie of this browser and must not have been used before;
otherwise the answer is 400, before any token request and with no session.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gateway.auth.errors import BadCallback, LoginFailed
from gateway.auth.redirects import safe_return_path
from gateway.auth.refusals import SIGN_IN_AGAIN
from gateway.auth.transaction import LIFETIME, Transaction, cookie_name
from gateway.errors import GatewayError
from gateway.oauth import tokens
from gateway.oauth.errors import InvalidToken
from gateway.sessions.manager import sessions_of
from gateway.sessions.model import Tokens

if TYPE_CHECKING:
    from gateway.auth.flow import BrowserLogin
    from gateway.auth.provider import OidcProvider
    from gateway.sessions.model import Session

# Token-protocol claims say nothing about the user; keeping them out keeps the session cookie small.
PROTOCOL_CLAIMS = frozenset({"aud", "exp", "iat", "nbf", "nonce", "at_hash", "c_hash", "s_hash", "azp", "jti"})


class Callback:
    """The handler at `auth.callbackPath`."""

    def __init__(self, login: BrowserLogin) -> None:
        self.login = login

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """Finish one login."""
        tx = await self._transaction(request)
        provider = self.login.providers.get(tx.provider)
        if provider is None:
            raise BadCallback(f"provider {tx.provider!r} is not configured any more")
        try:
            await _check_answer(request, provider)
            session = await self._session(provider, tx, request.query["code"])
        except GatewayError as refused:
            # Signing in again returns where this attempt was going; the spent transaction goes, so
            # nothing of this attempt is left in the browser (no session was made either).
            refused.link = (SIGN_IN_AGAIN, self.login.chooser_url(safe_return_path(tx.return_to)))
            refused.headers["Set-Cookie"] = _expired(tx.cookie_name)
            raise
        response = web.Response(status=302, headers={"Location": safe_return_path(tx.return_to)})
        response.headers["Cache-Control"] = "no-store"
        sessions = sessions_of(self.login.services)
        for name, value, attrs in sessions.cookies_for(session, sessions.secure_for(request), request):
            response.set_cookie(name, value, **attrs)
        response.del_cookie(tx.cookie_name, path="/")
        return response

    async def _transaction(self, request: web.BaseRequest) -> Transaction:
        state = request.query.get("state")
        if not state:
            raise BadCallback("callback without state")
        sealed = request.cookies.get(cookie_name(state))
        tx = Transaction.unseal(self.login.keys.transactions, sealed) if sealed else None
        if tx is None or not hmac.compare_digest(tx.state.encode(), state.encode()):
            raise BadCallback("no login transaction of this browser has this state")
        # The store remembers used states, so a replayed callback fails on every worker and instance.
        digest = hashlib.sha256(state.encode()).hexdigest()
        if not await self.login.services.store.add(f"auth:state:{digest}", b"1", ttl=LIFETIME):
            raise BadCallback("state already used")
        return tx

    async def _session(self, provider: OidcProvider, tx: Transaction, code: str) -> Session:
        metadata = await provider.metadata()
        http = provider.http()
        answer = await tokens.exchange_code(
            http, metadata.token_endpoint, provider.credentials, code=code, redirect_uri=tx.redirect_uri,
            code_verifier=tx.verifier, resource=provider.config.resource,
        )  # fmt: skip
        if answer.id_token is None:
            raise InvalidToken("the token response has no id_token")
        validator = await provider.id_token_validator()
        claims = await validator.validate(answer.id_token, nonce=tx.nonce)
        info: dict[str, Any] = {}
        # An access token for an API resource (RFC 8707) is not one for the userinfo endpoint.
        if metadata.userinfo_endpoint and not provider.config.resource:
            info = await tokens.userinfo(
                http, metadata.userinfo_endpoint, answer.access_token, expected_sub=claims["sub"]
            )
        # The signed id_token wins over userinfo where both name a claim.
        user = {k: v for k, v in {**info, **claims}.items() if k not in PROTOCOL_CLAIMS}
        expires_at = time.time() + answer.expires_in if answer.expires_in is not None else None
        return await sessions_of(self.login.services).create(
            subject=claims["sub"], issuer=validator.issuer, provider=provider.name, method="browser",
            claims=provider.map_claims(user),
            tokens=Tokens(answer.access_token, answer.refresh_token, answer.id_token, expires_at),
        )  # fmt: skip


def _expired(name: str) -> str:
    """A Set-Cookie value that deletes the cookie `name`."""
    jar: SimpleCookie = SimpleCookie()
    jar[name] = ""
    jar[name].update({"path": "/", "max-age": "0", "expires": "Thu, 01 Jan 1970 00:00:00 GMT"})
    return jar[name].OutputString()


async def _check_answer(request: web.BaseRequest, provider: OidcProvider) -> None:
    query = request.query
    # RFC 9207: an `iss` in the answer must be this provider's, against mix-up attacks.
    if "iss" in query and query["iss"] != (await provider.metadata()).issuer:
        raise BadCallback(f"authorization response from issuer {query['iss']!r}, expected {provider.config.issuer!r}")
    if "error" in query:
        raise LoginFailed(f"{provider.name}: {query['error']}: {query.get('error_description', '')}"[:300])
    if not query.get("code"):
        raise BadCallback("callback without code")
