"""The studio: its static page at /studio/ under a strict Content-Security-Policy, and the admin API
calls it uses, all behind the studio's guard. The page has no powers the API does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from gateway.admin import deploy, feed
from gateway.admin.guard import Guard, problem
from gateway.admin.trial import MAIN_URL, try_request
from gateway.runtime import RUNTIME
from gateway.settings import Settings

# The repository's studio/ folder: HTML, CSS and ES modules, served as they are (no build step).
STATIC = Path(__file__).resolve().parents[2] / "studio"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PDP_TYPES = ("PolicyDecisionPoint", "AuthZenPdp", "OpenAmPdp")
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _static(guard: Guard, folder: Path) -> Any:
    files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.suffix in _TYPES}

    async def serve(request: web.Request) -> web.StreamResponse:
        if not guard.enabled:
            return problem(404, "not_found", "the studio is disabled (studio: {enabled: true} in gateway.yaml)")
        # Only the files present at startup, looked up by name: no path ever reaches the file system.
        path = files.get(request.match_info.get("path") or "index.html")
        if path is None:
            return problem(404, "not_found", "no such studio file")
        headers = {**_HEADERS, "Content-Type": _TYPES[path.suffix]}
        return web.Response(body=path.read_bytes(), headers=headers)

    return serve


def _providers(settings: Settings) -> list[dict[str, Any]]:
    found = []
    for item in settings.heap:
        if isinstance(item, dict) and item.get("type") == "OidcProvider" and isinstance(item.get("name"), str):
            config = item.get("config")
            shown = config.get("displayName") if isinstance(config, dict) else None
            found.append({"name": item["name"], "displayName": shown or item["name"]})
    return found


def _pdps(settings: Settings) -> list[dict[str, Any]]:
    # The global heap's policy decision points, which a route's PolicyEnforcementFilter may name.
    return [
        {"name": item["name"], "type": item["type"]}
        for item in settings.heap
        if isinstance(item, dict) and item.get("type") in PDP_TYPES and isinstance(item.get("name"), str)
    ]


def context(guard: Guard) -> Any:
    """`GET /admin/api/studio`: the CSRF token, the providers and PDPs routes may use, the main listener."""

    async def answer(request: web.Request) -> web.Response:
        runtime = request.app[RUNTIME]
        body = {
            "csrf": guard.csrf,
            "providers": _providers(runtime.settings),
            "pdps": _pdps(runtime.settings),
            "main": runtime.extras.get(MAIN_URL),
        }
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    return answer


async def _to_studio(request: web.Request) -> web.Response:
    raise web.HTTPFound("/studio/")


def add_studio_routes(app: web.Application, settings: Settings) -> None:
    """Register the studio page and the API calls that read files, change routes and watch them."""
    guard = Guard(settings)
    app.router.add_get("/studio", _to_studio)
    app.router.add_get("/studio/", _static(guard, STATIC))
    app.router.add_get("/studio/{path:.+}", _static(guard, STATIC))
    app.router.add_get("/admin/api/studio", guard(context(guard)))
    app.router.add_post("/admin/api/validate", guard(deploy.validate))
    app.router.add_get("/admin/api/files/{file}", guard(deploy.read_file))
    app.router.add_put("/admin/api/files/{file}", guard(deploy.deploy))
    app.router.add_delete("/admin/api/files/{file}", guard(deploy.undeploy))
    app.router.add_post("/admin/api/try", guard(try_request))
    app.router.add_get("/admin/api/routes/{name}/captures", guard(feed.captures))
    app.router.add_get("/admin/api/events", guard(feed.events))
    app.cleanup_ctx.append(feed.tail_lifetime)
    app.on_shutdown.append(feed.close_streams)
