"""The SSF 1.0 stream management API (§8.1) on the admin listener, and the failed-deliveries view.

Bearer tokens of `signals.clients` authorize: `ssf.read` to read, `ssf.manage` to change. Each
client sees only the streams it made; another's stream is 404 to it, as an absent one is.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from aiohttp import web

from gateway.oauth import set as sets
from gateway.runtime import RUNTIME
from gateway.signals.management import Invalid, from_ssf, patched, to_ssf
from gateway.signals.service import MANAGEMENT_PATH, SIGNALS, STATUS_PATH, VERIFY_PATH, Signals
from gateway.signals_settings import ManagementClient, StreamSettings

_NO_STORE = {"Cache-Control": "no-store"}


class _Problem(Exception):
    def __init__(self, status: int, error: str, message: str, **headers: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.headers = status, error, message, headers


def _signals(request: web.Request) -> Signals:
    signals = request.app[RUNTIME].services.feature(SIGNALS)
    if signals is None:
        raise _Problem(404, "not_found", "security signals are not enabled")
    return signals


def _client(request: web.Request, signals: Signals, scope: str) -> ManagementClient:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    given = token.strip().encode()
    found = next((c for c in signals.config.clients if hmac.compare_digest(c.token.encode(), given)), None)
    if scheme.lower() != "bearer" or found is None:
        raise _Problem(401, "invalid_token", "a valid bearer token is required",
                       **{"WWW-Authenticate": 'Bearer realm="ssf"'})  # fmt: skip
    if scope not in found.scopes:
        raise _Problem(403, "insufficient_scope", f"the token lacks the {scope} scope",
                       **{"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'})  # fmt: skip
    return found


def _own(signals: Signals, client: ManagementClient, stream_id: Any) -> StreamSettings:
    stream = signals.streams.get(stream_id) if isinstance(stream_id, str) else None
    if stream is None or stream.owner != client.id:
        raise _Problem(404, "not_found", f"no stream {stream_id!r}")
    return stream


async def _body(request: web.Request) -> Any:
    try:
        return json.loads(await request.text())
    except ValueError:
        raise _Problem(400, "invalid_request", "the body is not JSON") from None


def _config(signals: Signals, stream: StreamSettings) -> dict[str, Any]:
    return to_ssf(stream, str(signals.config.issuer), str(signals.config.issuer).rstrip("/") + signals.config.pollPath)


async def _save(signals: Signals, stream: StreamSettings) -> None:
    await signals.streams.save(stream)
    signals.sync()


async def streams(request: web.Request) -> web.StreamResponse:
    """GET, POST, PATCH, PUT and DELETE of stream configurations (SSF §8.1.1)."""
    signals = _signals(request)
    client = _client(request, signals, "ssf.read" if request.method == "GET" else "ssf.manage")
    if request.method == "GET":
        if "stream_id" in request.query:
            return _json(_config(signals, _own(signals, client, request.query["stream_id"])))
        return _json([_config(signals, s) for s in signals.streams.all() if s.owner == client.id])
    if request.method == "DELETE":
        stream = _own(signals, client, request.query.get("stream_id"))
        await signals.streams.delete(stream.id)
        signals.sync()
        return web.Response(status=204, headers=_NO_STORE)
    body = await _body(request)
    try:
        if request.method == "POST":
            stream = from_ssf(body, client.id, client.token)
        else:
            current = _own(signals, client, body.get("stream_id") if isinstance(body, dict) else None)
            update = patched if request.method == "PATCH" else _replaced
            stream = update(current, body, client.id, client.token)
    except Invalid as exc:
        raise _Problem(400, "invalid_request", str(exc)) from None
    await _save(signals, stream)
    return _json(_config(signals, stream), status=201 if request.method == "POST" else 200)


def _replaced(current: StreamSettings, body: Any, client: str, token: str) -> StreamSettings:
    return from_ssf(body, client, token, current.id).model_copy(update={"status": current.status})


async def status(request: web.Request) -> web.StreamResponse:
    """GET or POST a stream's status: enabled, paused or disabled (SSF §8.1.2)."""
    signals = _signals(request)
    client = _client(request, signals, "ssf.read" if request.method == "GET" else "ssf.manage")
    if request.method == "GET":
        stream = _own(signals, client, request.query.get("stream_id"))
        return _json({"stream_id": stream.id, "status": stream.status})
    body = await _body(request)
    stream = _own(signals, client, body.get("stream_id") if isinstance(body, dict) else None)
    if body.get("status") not in ("enabled", "paused", "disabled"):
        raise _Problem(400, "invalid_request", "status must be enabled, paused or disabled")
    await _save(signals, stream.model_copy(update={"status": body["status"]}))
    answer = {"stream_id": stream.id, "status": body["status"]}
    if isinstance(body.get("reason"), str):
        answer["reason"] = body["reason"]
    return _json(answer)


async def verify(request: web.Request) -> web.StreamResponse:
    """Queue a verification SET echoing the receiver's `state` (SSF §8.1.4.2); 204."""
    signals = _signals(request)
    client = _client(request, signals, "ssf.manage")
    body = await _body(request)
    stream = _own(signals, client, body.get("stream_id") if isinstance(body, dict) else None)
    state = body.get("state")
    if state is not None and not isinstance(state, str):
        raise _Problem(400, "invalid_request", "state must be a string")
    if stream.status != "disabled":
        await signals.transmitter.queue(stream, sets.stream_subject(stream.id), sets.verification(state))
    return web.Response(status=204, headers=_NO_STORE)


async def failed(request: web.Request) -> web.StreamResponse:
    """Every stream's parked SETs (refused with 400, or out of retries), for operators."""
    signals = _signals(request)
    return _json({s.id: await signals.failures.list(s.id) for s in signals.streams.all()})


def _json(doc: Any, status: int = 200) -> web.Response:
    return web.json_response(doc, status=status, headers=_NO_STORE)


def _problems(handler: Any) -> Any:
    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
            return response
        except _Problem as problem:
            body = {"error": problem.error, "message": problem.message}
            return web.json_response(body, status=problem.status, headers={**_NO_STORE, **problem.headers})

    return answer


def signals_admin_app() -> web.Application:
    """A sub-application for the SSF endpoints under /ssf."""
    app = web.Application()
    for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
        app.router.add_route(method, MANAGEMENT_PATH.removeprefix("/ssf"), _problems(streams))
    app.router.add_route("GET", STATUS_PATH.removeprefix("/ssf"), _problems(status))
    app.router.add_route("POST", STATUS_PATH.removeprefix("/ssf"), _problems(status))
    app.router.add_post(VERIFY_PATH.removeprefix("/ssf"), _problems(verify))
    return app


def add_signal_routes(app: web.Application) -> None:
    """Serve /ssf/* on the admin listener."""
    sub = signals_admin_app()
    sub[RUNTIME] = app[RUNTIME]
    app.add_subapp("/ssf", sub)
    app.router.add_get("/admin/api/signals/failed", _problems(failed))
