"""OAuth 2.0 Device Authorization Grant (RFC 8628), client side.

`request_device_authorization` is the device authorization request (3.1, 3.2); `poll_token` is
one device access token request (3.4) whose outcome is typed (3.5): pending, slow_down, denied,
expired, or tokens. Pacing the polls is the caller's job.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import aiohttp

from gateway.oauth._http import post_form
from gateway.oauth.client import ClientCredentials
from gateway.oauth.errors import ProviderError
from gateway.oauth.tokens import TokenResponse, refusal

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5


@dataclass(frozen=True, slots=True)
class DeviceAuthorization:
    """The provider's device authorization response (RFC 8628 3.2)."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int = DEFAULT_INTERVAL

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Self:
        """Check and read a device authorization response."""
        strings = {n: doc.get(n) for n in ("device_code", "user_code", "verification_uri")}
        expires_in, interval = doc.get("expires_in"), doc.get("interval", DEFAULT_INTERVAL)
        if not all(isinstance(v, str) and v for v in strings.values()):
            raise ProviderError("device authorization response lacks a code or URI")
        if not isinstance(expires_in, int) or not isinstance(interval, int) or interval < 1:
            raise ProviderError("device authorization response has bad expires_in or interval")
        complete = doc.get("verification_uri_complete")
        return cls(
            device_code=str(strings["device_code"]),
            user_code=str(strings["user_code"]),
            verification_uri=str(strings["verification_uri"]),
            verification_uri_complete=complete if isinstance(complete, str) else None,
            expires_in=expires_in,
            interval=interval,
        )


class PollStatus(enum.StrEnum):
    """The outcome of one device access token request (RFC 8628 3.5)."""

    PENDING = "authorization_pending"
    SLOW_DOWN = "slow_down"
    DENIED = "access_denied"
    EXPIRED = "expired_token"
    TOKENS = "tokens"


@dataclass(frozen=True, slots=True)
class PollResult:
    """One poll's outcome; `tokens` is set exactly when `status` is TOKENS."""

    status: PollStatus
    tokens: TokenResponse | None = None


async def request_device_authorization(
    session: aiohttp.ClientSession,
    endpoint: str,
    client: ClientCredentials,
    *,
    scope: str,
    extra: Mapping[str, str] | None = None,
) -> DeviceAuthorization:
    """Ask the provider for a device code and user code (RFC 8628 3.1)."""
    status, doc = await post_form(session, endpoint, {**(extra or {}), "scope": scope}, client)
    if status != 200:
        raise refusal(status, doc)
    return DeviceAuthorization.from_json(doc)


async def poll_token(
    session: aiohttp.ClientSession, endpoint: str, client: ClientCredentials, device_code: str
) -> PollResult:
    """Make one device access token request (RFC 8628 3.4) and type its outcome."""
    form = {"grant_type": GRANT_TYPE, "device_code": device_code}
    status, doc = await post_form(session, endpoint, form, client)
    if status == 200:
        return PollResult(PollStatus.TOKENS, TokenResponse.from_json(doc))
    error = doc.get("error")
    if status == 400 and error in _WAITING:
        return PollResult(PollStatus(error))
    raise refusal(status, doc)


_WAITING = frozenset(s.value for s in PollStatus if s is not PollStatus.TOKENS)
