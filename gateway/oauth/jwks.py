"""JSON Web Key Set (RFC 7517 5) of a provider, cached, for verifying its signatures (RFC 7515).

Keys come only from the provider's `jwks_uri`, loaded on first use. A token whose `kid` is unknown
causes one refetch, then no other until the cool-down has passed, so that forged `kid`s cannot make
the gateway hammer the provider. Failed fetches start the cool-down too. The first load counts as no
refetch: a token whose `kid` is missing from it gets the one refetch at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, Key, KeySet
from joserfc.jws import JWSRegistry

from gateway.oauth._http import get_json
from gateway.oauth.errors import ProviderError, UnknownKid

log = logging.getLogger(__name__)

ASYMMETRIC_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})


def key_type_of(alg: str) -> str | None:
    """The JWK `kty` that the JWS algorithm `alg` signs with, or None if unknown."""
    model = JWSRegistry.algorithms.get(alg)
    return getattr(model, "key_type", None) if model else None


class JwksCache:
    """A provider's signing keys, refetched on an unknown `kid` at most once per cool-down."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        jwks_uri: str,
        *,
        cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._uri = jwks_uri
        self._cooldown = cooldown
        self._clock = clock
        self._keys: KeySet | None = None
        self._refetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str | None, alg: str) -> Key:
        """The key that verifies a signature by `alg` with this `kid` (no `kid`: the only fit)."""
        key = self._find(kid, alg)
        if key is None:
            async with self._lock:
                # A request that queued behind a fetch may find its key without fetching again.
                key = self._find(kid, alg) or await self._refetch(kid, alg)
        if key is None:
            raise UnknownKid(f"no {alg} key with kid {kid!r} at {self._uri}")
        return key

    async def _refetch(self, kid: str | None, alg: str) -> Key | None:
        now = self._clock()
        initial = self._keys is None and self._refetched_at is None
        if not initial:
            if self._refetched_at is not None and now - self._refetched_at < self._cooldown:
                if self._keys is None:
                    raise ProviderError(f"{self._uri}: no keys yet, next attempt after cool-down")
                return None
            self._refetched_at = now
        try:
            self._keys = await self._fetch()
        except ProviderError:
            self._refetched_at = now
            raise
        found = self._find(kid, alg)
        if found is None and initial:
            # A fresh start can meet a token newer than the set it just read (a provider mid-rotation,
            # a cache in front of it): one more look, which starts the cool-down as any re-fetch does.
            return await self._refetch(kid, alg)
        return found

    async def _fetch(self) -> KeySet:
        status, doc = await get_json(self._session, self._uri)
        keys = doc.get("keys")
        if status != 200 or not isinstance(keys, list):
            raise ProviderError(f"{self._uri}: status {status}, no key set")
        return KeySet(list(_import_signing_keys(keys)))

    def _find(self, kid: str | None, alg: str) -> Key | None:
        if self._keys is None:
            return None
        kty = key_type_of(alg)
        fits = [k for k in self._keys if k.key_type == kty and k.alg in (None, alg)]
        if kid is not None:
            return next((k for k in fits if k.kid == kid), None)
        return fits[0] if len(fits) == 1 else None


def _import_signing_keys(entries: Iterable[Any]) -> Iterable[Key]:
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        if entry.get("kty") not in ASYMMETRIC_KEY_TYPES:
            continue
        try:
            yield JWKRegistry.import_key(entry)
        except (JoseError, ValueError, KeyError, TypeError) as error:
            # One unusable key (an unknown curve...) must not hide the provider's other keys.
            log.warning("ignoring JWK %r: %s", entry.get("kid"), error)
