"""Admin API for sessions: list a subject's sessions, revoke one session or all of a subject's."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from gateway.runtime import RUNTIME
from gateway.sessions.manager import SessionManager
from gateway.stores.base import StoreUnavailable

_REVOKE_FORMS = 'send {"sid": "..."} or {"sub": "...", "iss": "..."}'


class _Problem(Exception):
    """A request the API refuses, with the status and the message naming the problem."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def list_sessions(request: web.Request) -> web.Response:
    """`GET /admin/api/sessions?sub=..&iss=..`: the subject's live sessions, without tokens."""
    try:
        sub, iss = (_text(request.query.get(name), name) for name in ("sub", "iss"))
        found = await _sessions(request).list_subject(sub, iss)
    except _Problem as problem:
        return _error(problem)
    except StoreUnavailable as exc:
        return _error(_Problem(503, f"the store is unavailable: {exc}"))
    return web.json_response({"sub": sub, "iss": iss, "sessions": found}, headers={"Cache-Control": "no-store"})


async def revoke_sessions(request: web.Request) -> web.Response:
    """`POST /admin/api/sessions/revoke` with {"sid"} or {"sub", "iss"}: `{"revoked": n}`."""
    try:
        body = await _body(request)
        sessions = _sessions(request)
        if "sid" in body:
            ended = await sessions.end(_text(body["sid"], "sid"), reason="admin_revoked", initiator="admin")
            revoked = int(ended)
        else:
            sub, iss = _text(body.get("sub"), "sub"), _text(body.get("iss"), "iss")
            revoked = await sessions.end_subject(sub, iss, reason="admin_revoked", initiator="admin")
    except _Problem as problem:
        return _error(problem)
    except StoreUnavailable as exc:
        return _error(_Problem(503, f"the store is unavailable: {exc}"))
    return web.json_response({"revoked": revoked})


async def _body(request: web.Request) -> dict[str, Any]:
    """The JSON object of a revoke request, in one of its two forms."""
    # JSON only: a cross-site form post cannot send this type without a CORS preflight.
    if request.content_type != "application/json":
        raise _Problem(415, "send the body as Content-Type: application/json")
    try:
        body = json.loads(await request.text())
    except ValueError as exc:
        raise _Problem(400, f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise _Problem(400, f"the body must be a JSON object: {_REVOKE_FORMS}")
    keys = set(body)
    if keys != {"sid"} and keys != {"sub", "iss"}:
        raise _Problem(400, f"unexpected fields {sorted(keys)}: {_REVOKE_FORMS}")
    return body


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise _Problem(400, f"{name} must be a non-empty string")
    return value


def _sessions(request: web.Request) -> SessionManager:
    sessions = request.app[RUNTIME].services.sessions
    if sessions is None:
        raise _Problem(503, "sessions are not started")
    return sessions


def _error(problem: _Problem) -> web.Response:
    code = {400: "bad_request", 415: "unsupported_media_type", 503: "unavailable"}.get(problem.status, "error")
    return web.json_response({"error": code, "message": problem.message}, status=problem.status)


def add_session_routes(app: web.Application) -> None:
    """Register the session endpoints on the admin app."""
    app.router.add_get("/admin/api/sessions", list_sessions)
    app.router.add_post("/admin/api/sessions/revoke", revoke_sessions)
