"""Receivers' public keys for encrypting their SETs (JWE), from a JWKS URL or inline JSON
(i2scim's `pub.aud.jwksurl` / `pub.aud.jwksjson`), loaded once when signals start."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import aiohttp
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet

from gateway.errors import ConfigError
from gateway.signals_settings import StreamSettings

log = logging.getLogger("gateway.signals")


async def encryption_keys(http: aiohttp.ClientSession | None, streams: Iterable[StreamSettings]) -> dict[str, Key]:
    """The encryption key of each stream that asks for JWE, by stream id."""
    keys: dict[str, Key] = {}
    for stream in streams:
        doc: Any = stream.audJwks
        if doc is None and stream.audJwksUrl and http is not None:
            async with http.get(stream.audJwksUrl, timeout=aiohttp.ClientTimeout(total=10)) as response:
                doc = await response.json(content_type=None)
        if doc is not None:
            keys[stream.id] = _encryption_key(doc, stream.id)
    return keys


def _encryption_key(doc: Any, stream_id: str) -> Key:
    try:
        fits = [k for k in KeySet.import_key_set(doc) if k.key_type == "RSA" and k.get("use", "enc") == "enc"]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"stream {stream_id}", f"the receiver's JWKS is not usable: {exc}") from None
    if not fits:
        raise ConfigError(f"stream {stream_id}", "the receiver's JWKS has no RSA encryption key")
    return fits[0]
