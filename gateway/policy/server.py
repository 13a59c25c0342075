"""The built-in PDP over HTTP: AuthZEN 1.0 (§6 evaluation, §7 evaluations, §9 metadata; bearer
tokens required, 400 for malformed requests, 401 without a valid token) and OpenAM's REST policy
evaluation (`/json/authenticate`, `/json{realm}/policies?_action=evaluate`)."""

from __future__ import annotations

import hmac
import json
import socket
from typing import TYPE_CHECKING, Any

from aiohttp import web
from yarl import URL

from gateway.oauth import authzen
from gateway.ops.hygiene import HardenedAppRunner, on_prepare
from gateway.policy.openam_endpoint import add_openam_routes

if TYPE_CHECKING:
    from gateway.policy.pdp_config import ServedPdp

MAX_BODY = 1 << 20
PDP: web.AppKey[ServedPdp] = web.AppKey("pdp")


def identifier(pdp: ServedPdp) -> str:
    """The PDP identifier: configured, or the listener's origin."""
    return pdp.config.identifier or f"http://{pdp.address}"


def _error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


def _authorised(request: web.Request, tokens: list[str]) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    # Every token is compared, so the time taken does not say which one nearly matched.
    return sum(hmac.compare_digest(token.encode(), t.encode()) for t in tokens) > 0


async def _body(request: web.Request) -> Any:
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise authzen.AuthZenError("body too large")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise authzen.AuthZenError(f"body is not JSON: {exc}") from exc


def _guarded(handler: Any) -> Any:
    async def serve(request: web.Request) -> web.StreamResponse:
        pdp = request.app[PDP]
        rid = request.headers.get("X-Request-ID", "")
        echo = {"X-Request-ID": rid} if rid else {}
        if not _authorised(request, pdp.config.tokens):
            return _error(401, "a valid bearer token is required", **{"WWW-Authenticate": 'Bearer realm="pdp"'}, **echo)
        try:
            answer = await handler(pdp, await _body(request), rid)
        except authzen.AuthZenError as exc:
            return _error(400, str(exc), **echo)
        return web.json_response(answer, headers=echo)

    return serve


async def _evaluation(pdp: ServedPdp, doc: Any, rid: str) -> dict[str, Any]:
    return (await pdp.evaluate(authzen.parse_evaluation(doc), rid)).as_json()


async def _evaluations(pdp: ServedPdp, doc: Any, rid: str) -> dict[str, Any]:
    batch = authzen.parse_batch(doc)
    out = []
    for item in batch.items:
        decision = await pdp.evaluate(item, rid)
        out.append(decision.as_json())
        # Short-circuit semantics answer only up to the deciding item (§7.1.2).
        if (batch.semantic == authzen.DENY_ON_FIRST_DENY and not decision.allowed) or (
            batch.semantic == authzen.PERMIT_ON_FIRST_PERMIT and decision.allowed
        ):
            break
    return {"evaluations": out}


async def _metadata(request: web.Request) -> web.Response:
    return web.json_response(authzen.metadata(identifier(request.app[PDP])), headers={"Cache-Control": "max-age=300"})


def pdp_app(pdp: ServedPdp) -> web.Application:
    """The PDP's web app."""
    app = web.Application(client_max_size=MAX_BODY)
    app.on_response_prepare.append(on_prepare)
    app[PDP] = pdp
    prefix = URL(identifier(pdp)).path.rstrip("/")
    app.router.add_get(authzen.WELL_KNOWN + prefix, _metadata)
    app.router.add_post(prefix + authzen.EVALUATION_PATH, _guarded(_evaluation))
    app.router.add_post(prefix + authzen.EVALUATIONS_PATH, _guarded(_evaluations))
    if pdp.config.openam is not None:
        add_openam_routes(app, pdp, pdp.config.openam)
    return app


async def start_server(pdp: ServedPdp) -> web.AppRunner:
    """Serve the PDP on its listener; `pdp.address` is the bound HOST:PORT."""
    assert pdp.config.listen is not None, "only called for a PDP with a listener"
    host, _, port = pdp.config.listen.rpartition(":")
    # Bound before the app is built, so that the metadata names the real port (also for port 0).
    sock = socket.socket(socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        # With --workers N, every worker serves the PDP on the one port, as they share the main one.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host.strip("[]") or "127.0.0.1", int(port)))
    bound = sock.getsockname()
    pdp.address = f"{bound[0]}:{bound[1]}"
    runner = HardenedAppRunner(pdp_app(pdp), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner
