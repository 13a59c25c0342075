"""Push-Based SET Delivery, the receiver's side (RFC 8935 §2.2 to §2.4), on the main listener.

A valid SET is answered 202 with an empty body. A refused one is answered 400 with
`{"err", "description"}` (RFC 8935 §2.3 codes), JSON, in English; nothing else happens. When the
transmitter must authenticate and does not, the answer is 401 `authentication_failed`.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from gateway.oauth.set import MEDIA_TYPE
from gateway.oauth.set_verify import KeysUnavailable, SetRejected
from gateway.signals.receiver import Receiver

log = logging.getLogger("gateway.signals")
_MAX_BODY = 64 * 1024
_NO_STORE = {"Cache-Control": "no-store"}


def error_response(status: int, err: str, description: str, **headers: str) -> web.Response:
    """RFC 8935 §2.3 error body: JSON, with the language of `description`."""
    body = json.dumps({"err": err, "description": description})
    extra = {"Content-Language": "en", **_NO_STORE, **headers}
    return web.Response(status=status, text=body, content_type="application/json", headers=extra)


class PushReceiver:
    """The handler at `signals.receiver.path`."""

    def __init__(self, receiver: Receiver, bearer: str | None) -> None:
        self.receiver = receiver
        self.bearer = bearer.encode() if bearer else None

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """Verify and act on one pushed SET."""
        if request.method != "POST":
            return web.Response(status=405, headers={"Allow": "POST", **_NO_STORE})
        if self.bearer is not None:
            given = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, self.bearer):
                return error_response(401, "authentication_failed", "the transmitter did not authenticate",
                                      **{"WWW-Authenticate": 'Bearer realm="ssf"'})  # fmt: skip
        if request.content_type != MEDIA_TYPE:
            return self._refused("invalid_request", f"Content-Type must be {MEDIA_TYPE}")
        body = await request.content.read(_MAX_BODY + 1)
        if len(body) > _MAX_BODY:
            return self._refused("invalid_request", "the SET is too large")
        try:
            await self.receiver.accept(body.decode("ascii"))
        except UnicodeDecodeError:
            return self._refused("invalid_request", "the body is not a compact JWT")
        except SetRejected as error:
            return self._refused(error.err, error.description)
        except KeysUnavailable as error:
            log.warning("pushed SET not checked: %s", error)
            return error_response(503, "temporarily_unavailable", "keys unavailable", **{"Retry-After": "5"})
        return web.Response(status=202, headers=_NO_STORE)

    def _refused(self, err: str, description: str) -> web.Response:
        log.warning("pushed SET refused: %s: %s", err, description)
        self.receiver.metrics.received.labels(err).inc()
        return error_response(400, err, description)
