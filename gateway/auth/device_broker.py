"""The OAuth 2.0 Device Authorization Grant (RFC 8628) brokered by the gateway.

The client talks to the gateway only and needs no credentials at the provider: the gateway makes
the device authorization request with its own client registration (3.1), hands the client a
handle of its own in place of the provider's device code, and answers the client's polls (3.4,
3.5). It polls the provider itself, at most once per provider interval per handle across every
worker and instance, whatever the client does; a client polling faster than its interval gets
`slow_down` and 5 more seconds of interval from then on. Success is a gateway session token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.auth.device_pending import Pending, PendingStore, new_handle
from gateway.auth.device_session import DeviceSessions
from gateway.oauth.device import GRANT_TYPE, PollStatus, poll_token, request_device_authorization
from gateway.oauth.errors import TokenRefused

if TYPE_CHECKING:
    from gateway.auth.provider import OidcProvider
    from gateway.oauth.tokens import TokenResponse
    from gateway.services import Services

log = logging.getLogger("gateway.filters.device_flow")

SLOW_DOWN_STEP = 5.0
# Clocks of instances differ a little; a client on time must not be told to slow down.
CLOCK_SLACK = 0.5


class DeviceGrantError(Exception):
    """An error answer of the device endpoints (RFC 6749 5.2, RFC 8628 3.5)."""

    def __init__(
        self, error: str, description: str = "", status: int = 400, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.status = status
        self.headers = dict(headers or {})


@dataclass(frozen=True, slots=True)
class DeviceClient:
    """A provider offered for device login, and the scopes clients may ask of it."""

    provider: OidcProvider
    scopes: tuple[str, ...]
    allowed: frozenset[str]


class DeviceBroker:
    """The device endpoints' state: the providers offered, the pending authorizations, sessions."""

    def __init__(self, services: Services, clock: Callable[[], float] = time.time) -> None:
        self.services = services
        self.clients: dict[str, DeviceClient] = {}
        self.sessions = DeviceSessions(services)
        self._clock = clock

    def register(self, provider: OidcProvider, scopes: Iterable[str] | None) -> None:
        """Offer `provider` (at load time); the first registered one is the default."""
        asked = tuple(dict.fromkeys(["openid", *(scopes or provider.config.scopes)]))
        known = self.clients.get(provider.name)
        if known is not None and known.provider is provider:
            # Several routes may offer one provider with different scopes: clients may ask any of them.
            self.clients[provider.name] = DeviceClient(provider, known.scopes, known.allowed | set(asked))
        else:
            self.clients[provider.name] = DeviceClient(provider, asked, frozenset(asked))

    @property
    def pending(self) -> PendingStore:
        """The pending authorizations in the shared store."""
        return PendingStore(self.services.store)

    async def authorize(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Start a device authorization at the provider; the answer of RFC 8628 3.2."""
        client = self._client(form.get("provider"))
        scope = _scope(client, form.get("scope"))
        provider = client.provider
        endpoint = (await provider.metadata()).device_authorization_endpoint
        if endpoint is None:
            raise DeviceGrantError("server_error", f"{provider.name} offers no device authorization", 500)
        try:
            grant = await request_device_authorization(provider.http(), endpoint, provider.credentials, scope=scope)
        except TokenRefused as refused:
            if refused.error == "invalid_scope":
                raise DeviceGrantError("invalid_scope", "the provider refused the scope") from refused
            raise DeviceGrantError("server_error", f"the provider refused: {refused.error}", 502) from refused
        now, handle = self._clock(), new_handle()
        record = Pending(provider.name, grant.device_code, now + grant.expires_in, grant.interval, grant.interval)
        await self.pending.put(handle, record, now)
        answer: dict[str, Any] = {
            "device_code": handle, "user_code": grant.user_code, "verification_uri": grant.verification_uri,
            "expires_in": grant.expires_in, "interval": grant.interval,
        }  # fmt: skip
        if grant.verification_uri_complete:
            answer["verification_uri_complete"] = grant.verification_uri_complete
        return answer

    def _client(self, name: str | None) -> DeviceClient:
        if name is None:
            if not self.clients:
                raise DeviceGrantError("server_error", "no provider is offered for device login", 500)
            return next(iter(self.clients.values()))
        client = self.clients.get(name)
        if client is None:
            raise DeviceGrantError("invalid_request", f"unknown provider {name!r}")
        return client

    async def token(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Answer one device access token request (RFC 8628 3.4, 3.5)."""
        if form.get("grant_type") != GRANT_TYPE:
            raise DeviceGrantError("unsupported_grant_type", f"grant_type must be {GRANT_TYPE}")
        handle = form.get("device_code")
        if not handle:
            raise DeviceGrantError("invalid_request", "device_code is missing")
        record = await self.pending.get(handle)
        if record is None:
            raise DeviceGrantError("invalid_grant", "unknown device_code")
        now = self._clock()
        await self._pace(handle, record, now)
        if not await self.pending.lock_poll(handle, record.provider_interval):
            raise DeviceGrantError("authorization_pending")
        return await self._poll(handle, record, now)

    async def _pace(self, handle: str, record: Pending, now: float) -> None:
        """Refuse what the record already decides, and a client polling faster than its interval."""
        if now >= record.expires_at:
            raise DeviceGrantError("expired_token")
        if record.denied:
            raise DeviceGrantError("access_denied")
        too_fast = record.last_poll is not None and now - record.last_poll < record.interval - CLOCK_SLACK
        record.last_poll = now
        if too_fast:
            record.interval += SLOW_DOWN_STEP
        await self.pending.put(handle, record, now)
        if too_fast:
            raise DeviceGrantError("slow_down", f"poll every {record.interval:g} s")

    async def _poll(self, handle: str, record: Pending, now: float) -> dict[str, Any]:
        """Poll the provider once (this caller holds the poll lock) and answer from its outcome."""
        client = self.clients.get(record.provider)
        if client is None:
            raise DeviceGrantError("invalid_grant", f"provider {record.provider!r} is not offered any more")
        provider = client.provider
        endpoint = (await provider.metadata()).token_endpoint
        try:
            result = await poll_token(provider.http(), endpoint, provider.credentials, record.device_code)
        except TokenRefused as refused:
            await self.pending.delete(handle)
            raise DeviceGrantError("invalid_grant", f"the provider refused the code: {refused.error}") from refused
        if result.status is PollStatus.TOKENS and result.tokens is not None:
            await self.pending.delete(handle)
            return await self._issue(provider, result.tokens, now)
        await self._record(handle, record, result.status, now)
        answer = PollStatus.PENDING if result.status is PollStatus.SLOW_DOWN else result.status
        raise DeviceGrantError(answer.value)

    async def _record(self, handle: str, record: Pending, status: PollStatus, now: float) -> None:
        if status is PollStatus.SLOW_DOWN:
            # The provider asked the gateway, not the client, to slow down (RFC 8628 3.5).
            record.provider_interval += SLOW_DOWN_STEP
            await self.pending.extend_lock(handle, record.provider_interval)
        elif status is PollStatus.DENIED:
            record.denied = True
        elif status is PollStatus.EXPIRED:
            record.expires_at = now
        else:
            return
        await self.pending.put(handle, record, now)

    async def _issue(self, provider: OidcProvider, answer: TokenResponse, now: float) -> dict[str, Any]:
        session, token = await self.sessions.create(provider, answer)
        log.info("device login of %s at %s: session %s", session.subject, provider.name, session.id[:8])
        expires_in = max(0, int(session.expires - now))
        return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}


def _scope(client: DeviceClient, asked: str | None) -> str:
    """The scope to ask the provider: the client's choice within what is offered, openid always."""
    if asked is None or not asked.strip():
        return " ".join(client.scopes)
    scopes = asked.split()
    refused = sorted(set(scopes) - client.allowed)
    if refused:
        raise DeviceGrantError("invalid_scope", f"not offered: {' '.join(refused)}")
    return " ".join(dict.fromkeys(["openid", *scopes]))
