"""SSF 1.0 §8.1 stream configuration, as the management API reads and writes it.

A receiver (a management client) creates a stream with a delivery method — push to its
`endpoint_url` with an optional `authorization_header`, or poll at the URL the transmitter
answers — and the events it wants. Each stream belongs to the client that made it; no other
client sees it. Streams are kept in the shared store (see `streams.py`).
"""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import ValidationError

from gateway.oauth import set as sets
from gateway.oauth.ssf import POLL, PUSH
from gateway.signals_settings import StreamSettings

EVENTS_SUPPORTED = [sets.SESSION_REVOKED]
# Members a receiver may set (SSF §8.1.1); the transmitter sets the others.
WRITABLE = frozenset({"delivery", "events_requested", "description", "stream_id"})


class Invalid(ValueError):
    """A stream configuration a receiver may not write."""


def from_ssf(body: Any, client: str, token: str, stream_id: str | None = None) -> StreamSettings:
    """The stream a receiver's configuration describes; raises Invalid naming the bad member."""
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object")
    unknown = sorted(set(body) - WRITABLE - {"iss", "aud", "events_supported", "events_delivered"})
    if unknown:
        raise Invalid(f"unknown members {unknown}")
    delivery = body.get("delivery", {"method": POLL})
    if not isinstance(delivery, dict) or delivery.get("method") not in (PUSH, POLL):
        raise Invalid(f"delivery.method must be {PUSH} or {POLL}")
    requested = body.get("events_requested", EVENTS_SUPPORTED)
    if not isinstance(requested, list) or not all(isinstance(e, str) for e in requested):
        raise Invalid("events_requested must be an array of event type URIs")
    fields: dict[str, Any] = {
        "id": stream_id or secrets.token_urlsafe(12), "aud": client, "owner": client,
        "description": body.get("description"),
    }  # fmt: skip
    if delivery["method"] == PUSH:
        fields.update(endpoint=delivery.get("endpoint_url"), token=delivery.get("authorization_header"))
        if not isinstance(fields["endpoint"], str) or not fields["endpoint"].startswith(("http://", "https://")):
            raise Invalid("delivery.endpoint_url must be an http(s) URL for push")
    else:
        fields["pollToken"] = token
    try:
        return StreamSettings.model_validate(fields)
    except ValidationError as exc:
        raise Invalid(str(exc.errors()[0]["msg"])) from None


def to_ssf(stream: StreamSettings, issuer: str, poll_url: str) -> dict[str, Any]:
    """The stream's configuration as SSF §8.1.1 names it."""
    if stream.endpoint:
        delivery: dict[str, Any] = {"method": PUSH, "endpoint_url": stream.endpoint}
    else:
        delivery = {"method": POLL, "endpoint_url": f"{poll_url}/{stream.id}"}
    config = {
        "stream_id": stream.id, "iss": stream.iss or issuer, "aud": stream.aud, "delivery": delivery,
        "events_supported": EVENTS_SUPPORTED, "events_requested": EVENTS_SUPPORTED,
        "events_delivered": EVENTS_SUPPORTED,
    }  # fmt: skip
    if stream.description:
        config["description"] = stream.description
    return config


def patched(stream: StreamSettings, body: Any, client: str, token: str) -> StreamSettings:
    """The stream with the members a PATCH gives (SSF §8.1.1.3)."""
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object")
    current = {"delivery": _delivery(stream), "description": stream.description}
    merged = {**current, **{k: v for k, v in body.items() if k != "stream_id"}}
    return from_ssf(merged, client, token, stream.id).model_copy(update={"status": stream.status})


def _delivery(stream: StreamSettings) -> dict[str, Any]:
    if stream.endpoint:
        return {"method": PUSH, "endpoint_url": stream.endpoint, "authorization_header": stream.token}
    return {"method": POLL}
