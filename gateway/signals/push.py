"""Push-Based Security Event Token Delivery (RFC 8935 §2), the transmitter's side.

One SET per `POST`, `Content-Type: application/secevent+jwt`, `Accept: application/json`, and the
stream's Authorization header verbatim. 202 means delivered; 400 means the receiver refused it
for good (its `err` and `description` are kept); anything else — a network error, a 5xx, a 429 —
is worth retrying, after `Retry-After` when the receiver says so.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import aiohttp

from gateway.oauth.set import MEDIA_TYPE


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one push attempt came to: `delivered`, `rejected` (400, final) or `retry`."""

    result: str
    err: str | None = None
    description: str | None = None
    retry_after: float | None = None


DELIVERED = Outcome("delivered")


async def push(
    http: aiohttp.ClientSession, endpoint: str, token: str, authorization: str | None, timeout: float
) -> Outcome:
    """POST one SET to `endpoint`."""
    headers = {"Content-Type": MEDIA_TYPE, "Accept": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    try:
        async with http.post(
            endpoint, data=token.encode(), headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            if response.status in (200, 202):
                return DELIVERED
            if response.status == 400:
                return await _rejected(response)
            after = retry_after(response.headers.get("Retry-After"))
            return Outcome("retry", f"http_{response.status}", f"status {response.status}", after)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        return Outcome("retry", "network", f"{type(exc).__name__}: {exc}")


async def _rejected(response: aiohttp.ClientResponse) -> Outcome:
    try:
        body = await response.json(content_type=None)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return Outcome("rejected", "invalid_request", "400 without an error object")
    return Outcome("rejected", str(body.get("err", "invalid_request")), str(body.get("description", "")))


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (RFC 9110 §10.2.3: delay-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def backoff(attempt: int, first: float, most: float) -> float:
    """Exponential backoff with jitter: between half and all of first·2^attempt, capped at `most`."""
    ceiling = min(most, first * (2 ** min(attempt, 30)))
    return random.uniform(ceiling / 2, ceiling)
