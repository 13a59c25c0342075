"""The login transaction: PKCE verifier, `state` and `nonce` of one authorization request, kept
in the browser in a short-lived encrypted cookie (JWE, `dir` + A256GCM) until the callback.

One cookie per transaction, named after its `state`, so that two tabs logging in at once each
find their own. At most `MAX_PENDING` are kept: a new attempt drops the oldest beyond that, so
that abandoned attempts (or a page opening many) cannot grow the Cookie header past what a server
accepts and block every later login.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from multidict import CIMultiDict

from gateway.oauth.pkce import Pkce, new_nonce, new_state

COOKIE_PREFIX = "gw_login_"
LIFETIME = 600.0
MAX_PENDING = 7
_HEADER = {"alg": "dir", "enc": "A256GCM"}
_ALGORITHMS = ("dir", "A256GCM")


class Sealer:
    """Authenticated encryption of small JSON values for one purpose (a key per purpose)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a sealing key has 32 bytes")
        self._key = OctKey.import_key(key)

    def seal(self, value: dict[str, Any]) -> str:
        """The value encrypted and authenticated, as a compact JWE."""
        return jwe.encrypt_compact(_HEADER, json.dumps(value, separators=(",", ":")), self._key)

    def open(self, token: str) -> dict[str, Any] | None:
        """The sealed value, or None when it was not sealed with this key or was altered."""
        try:
            plaintext = jwe.decrypt_compact(token, self._key, algorithms=_ALGORITHMS).plaintext
            value = json.loads(plaintext or b"")
        except (JoseError, ValueError):
            return None
        return value if isinstance(value, dict) else None


@dataclass(frozen=True, slots=True)
class Transaction:
    """One authorization request waiting for its callback."""

    state: str
    nonce: str
    verifier: str
    provider: str
    redirect_uri: str
    return_to: str
    expires: float

    @classmethod
    def new(cls, provider: str, redirect_uri: str, return_to: str) -> tuple[Transaction, Pkce]:
        """Fresh state, nonce and PKCE verifier for one attempt."""
        pkce = Pkce.new()
        tx = cls(new_state(), new_nonce(), pkce.verifier, provider, redirect_uri, return_to, time.time() + LIFETIME)
        return tx, pkce

    @property
    def cookie_name(self) -> str:
        """This transaction's cookie."""
        return cookie_name(self.state)

    def seal(self, sealer: Sealer) -> str:
        """The cookie value."""
        return sealer.seal({"tx": asdict(self)})

    @classmethod
    def unseal(cls, sealer: Sealer, value: str) -> Transaction | None:
        """The transaction in a cookie value, or None when it is forged, altered or expired."""
        sealed = sealer.open(value)
        fields = sealed.get("tx") if sealed else None
        try:
            tx = cls(**fields) if isinstance(fields, dict) else None
        except TypeError:
            return None
        return tx if tx is not None and tx.expires > time.time() else None


def cookie_name(state: str) -> str:
    """The cookie of the transaction with this `state` (a digest: state values are not cookie names)."""
    return COOKIE_PREFIX + hashlib.sha256(state.encode()).hexdigest()[:16]


def crowded_out(cookies: Mapping[str, str], sealer: Sealer) -> list[str]:
    """Transaction cookies to delete so that one more fits under MAX_PENDING (oldest first)."""
    pending = [name for name in cookies if name.startswith(COOKIE_PREFIX)]
    excess = len(pending) + 1 - MAX_PENDING
    if excess <= 0:
        return []

    def expires(name: str) -> float:
        tx = Transaction.unseal(sealer, cookies[name])
        return tx.expires if tx is not None else 0.0

    return sorted(pending, key=expires)[:excess]


def strip_transaction_cookies(headers: CIMultiDict[str]) -> None:
    """Remove pending login transactions from Cookie headers (they are the gateway's alone)."""
    for value in headers.popall("Cookie", []):
        kept = [c for c in value.split(";") if not c.strip().startswith(COOKIE_PREFIX)]
        if any(c.strip() for c in kept):
            headers.add("Cookie", ";".join(kept).strip())
