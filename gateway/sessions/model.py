"""What a session is: who logged in, with which tokens, and until when; and how it ends."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.identity import Identity

METHODS = frozenset({"browser", "device"})
REASONS = frozenset(
    {"logout", "admin_revoked", "backchannel_logout", "refresh_failed", "expired", "idle_timeout", "signal"}
)
INITIATORS = frozenset({"user", "admin", "policy", "system"})
# What expressions see as `session.*`; tokens stay out of reach of headers and capture.
_SCOPE_KEYS = ("id", "sid", "sub", "iss", "provider", "method", "claims", "created", "last_seen", "expires")
_ALIASES = {"sid": "id", "sub": "subject", "iss": "issuer"}


@dataclass(slots=True)
class Tokens:
    """The provider's tokens held by a session."""

    access_token: str | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    expires_at: float | None = None

    def to_list(self) -> list[Any]:
        """Compact form for cookies and records."""
        return [self.access_token, self.refresh_token, self.id_token, self.expires_at]

    @classmethod
    def from_list(cls, data: Any) -> Tokens:
        """The inverse of `to_list`; raises ValueError on anything else."""
        if not isinstance(data, list) or len(data) != 4:
            raise ValueError("tokens must be a list of four values")
        access, refresh, id_token, expires_at = data
        if not all(v is None or isinstance(v, str) for v in (access, refresh, id_token)):
            raise ValueError("tokens must be strings")
        if expires_at is not None and not isinstance(expires_at, int | float):
            raise ValueError("expires_at must be a number")
        return cls(access, refresh, id_token, None if expires_at is None else float(expires_at))


@dataclass(slots=True)
class Session(Mapping[str, Any]):
    """A login, by browser or by device; read-only as a Mapping so that `${session.sub}` works."""

    id: str
    subject: str
    issuer: str
    provider: str
    method: str
    claims: dict[str, Any]
    tokens: Tokens
    created: float
    last_seen: float
    expires: float
    # Made on first use: a cached session serves many requests, and what it establishes never changes.
    _identity: Identity | None = field(default=None, init=False, repr=False, compare=False)

    def identity(self) -> Identity:
        """The identity this session establishes."""
        if self._identity is None:
            method = "session" if self.method == "browser" else "device"
            self._identity = Identity(self.subject, self.issuer, method, self.claims, session_id=self.id)
        return self._identity

    @property
    def email(self) -> str | None:
        """The subject's email from the claims, if any."""
        return _claim(self.claims, "email")

    @property
    def provider_sid(self) -> str | None:
        """The provider's session id (`sid` claim), which back-channel logout names."""
        return _claim(self.claims, "sid")

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready record of the whole session, tokens included."""
        return {
            "v": 1,
            "id": self.id,
            "sub": self.subject,
            "iss": self.issuer,
            "prv": self.provider,
            "m": self.method,
            "c": self.claims,
            "t": self.tokens.to_list(),
            "cr": self.created,
            "ls": self.last_seen,
            "ex": self.expires,
        }

    @classmethod
    def from_record(cls, data: Any) -> Session:
        """The inverse of `to_record`; raises ValueError when the record is malformed."""
        try:
            if data["v"] != 1 or data["m"] not in METHODS or not isinstance(data["c"], dict):
                raise ValueError("unknown session record")
            sid, sub, iss, provider = (data[k] for k in ("id", "sub", "iss", "prv"))
            created, last_seen, expires = (float(data[k]) for k in ("cr", "ls", "ex"))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed session record: {exc}") from None
        if not all(isinstance(t, str) for t in (sid, sub, iss, provider)):
            raise ValueError("malformed session record: ids must be strings")
        tokens = Tokens.from_list(data["t"])
        return cls(sid, sub, iss, provider, data["m"], data["c"], tokens, created, last_seen, expires)

    def __getitem__(self, key: str) -> Any:
        if key not in _SCOPE_KEYS:
            raise KeyError(key)
        return getattr(self, _ALIASES.get(key, key))

    def __iter__(self) -> Iterator[str]:
        return iter(_SCOPE_KEYS)

    def __len__(self) -> int:
        return len(_SCOPE_KEYS)


def _claim(claims: Mapping[str, Any], name: str) -> str | None:
    """A string claim, mapped or raw (the id_token claims may sit under `raw`)."""
    value = claims.get(name)
    raw = claims.get("raw")
    if value is None and isinstance(raw, Mapping):
        value = raw.get(name)
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """Published once per session end, whatever ended it."""

    session_id: str
    subject: str
    issuer: str
    email: str | None
    reason: str
    initiator: str
    at: float
    # The provider's session id (`sid`), which a CAEP complex subject names.
    provider_sid: str | None = None
