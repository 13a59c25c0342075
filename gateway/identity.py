"""Who the caller is, as established by an authentication filter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated subject: the one shape every authentication filter produces."""

    subject: str
    issuer: str
    method: str
    claims: Mapping[str, Any] = field(default_factory=dict)
    scopes: frozenset[str] = frozenset()
    session_id: str | None = None

    def as_scope(self) -> dict[str, Any]:
        """The identity as expressions see it (`identity.sub`, `identity.claims.email`)."""
        return {
            "sub": self.subject,
            "subject": self.subject,
            "iss": self.issuer,
            "issuer": self.issuer,
            "method": self.method,
            "claims": self.claims,
            "scopes": sorted(self.scopes),
            "sid": self.session_id,
        }
