"""JSON over HTTP for the OAuth 2.0 endpoints (RFC 6749 5.1, 5.2): bounded bodies, typed failures.

Every network problem becomes a `ProviderUnavailable` (a refused certificate a `ProviderError`),
and every answer that is not a JSON object a `ProviderError`, so callers deal with protocol
outcomes only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aiohttp

from gateway.oauth.client import ClientCredentials
from gateway.oauth.errors import ProviderError, ProviderUnavailable

TIMEOUT = aiohttp.ClientTimeout(total=10)
MAX_BODY = 1 << 20
JSON_ACCEPT = {"Accept": "application/json"}

JsonObject = dict[str, Any]


async def post_form(
    session: aiohttp.ClientSession,
    url: str,
    form: dict[str, str],
    client: ClientCredentials,
) -> tuple[int, JsonObject]:
    """POST a form authenticated as `client`; return the status and the JSON object answered."""
    data, auth = client.authenticate(form)
    try:
        async with session.post(
            url, data=data, headers={**JSON_ACCEPT, **auth}, timeout=TIMEOUT, allow_redirects=False
        ) as response:
            return response.status, await read_json(response)
    except (aiohttp.ClientError, TimeoutError) as error:
        raise _failure(f"POST {url}", error) from error


async def get_json(
    session: aiohttp.ClientSession, url: str, headers: Mapping[str, str] | None = None
) -> tuple[int, JsonObject]:
    """GET a JSON object; return the status and the object."""
    try:
        async with session.get(
            url, headers={**JSON_ACCEPT, **(headers or {})}, timeout=TIMEOUT, allow_redirects=False
        ) as response:
            return response.status, await read_json(response)
    except (aiohttp.ClientError, TimeoutError) as error:
        raise _failure(f"GET {url}", error) from error


def _failure(what: str, error: Exception) -> ProviderError:
    """A refused certificate is a configuration fault (502); anything else on the network an outage (503)."""
    kind = ProviderError if isinstance(error, aiohttp.ClientSSLError) else ProviderUnavailable
    return kind(f"{what}: {error!r}")


async def read_json(response: aiohttp.ClientResponse) -> JsonObject:
    """Read a bounded body as a JSON object; an empty body is an empty object."""
    body = bytearray()
    async for chunk in response.content.iter_chunked(65536):
        body += chunk
        if len(body) > MAX_BODY:
            raise ProviderError(f"{response.url}: body larger than {MAX_BODY} bytes")
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except ValueError as error:
        if response.status >= 400:
            return {}  # an error page; the status says enough
        raise ProviderError(f"{response.url}: status {response.status}, not JSON") from error
    if not isinstance(value, dict):
        raise ProviderError(f"{response.url}: JSON is not an object")
    return value
