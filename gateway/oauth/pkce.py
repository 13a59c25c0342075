"""Proof Key for Code Exchange (RFC 7636) with S256, and OAuth `state` / OpenID `nonce` values.

The verifier is 43 characters of base64url from 32 random bytes (RFC 7636 4.1 recommends
32 octets); state and nonce carry the same entropy.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

METHOD = "S256"


def s256_challenge(verifier: str) -> str:
    """BASE64URL(SHA256(ASCII(code_verifier))) without padding (RFC 7636 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify_s256(verifier: str, challenge: str) -> bool:
    """True if `verifier` matches the S256 `challenge` (RFC 7636 4.6)."""
    return hmac.compare_digest(s256_challenge(verifier).encode(), challenge.encode())


@dataclass(frozen=True, slots=True)
class Pkce:
    """A code verifier and its S256 challenge, fresh for one authorization request."""

    verifier: str = field(repr=False)
    challenge: str
    method: str = METHOD

    @classmethod
    def new(cls) -> Pkce:
        """A fresh verifier and its challenge."""
        verifier = secrets.token_urlsafe(32)
        return cls(verifier=verifier, challenge=s256_challenge(verifier))


def new_state() -> str:
    """An unguessable `state` for one authorization request (RFC 6749 10.12)."""
    return secrets.token_urlsafe(32)


def new_nonce() -> str:
    """An unguessable `nonce` for one authentication request (OpenID Connect Core 3.1.2.1)."""
    return secrets.token_urlsafe(32)
