"""Admin API over route files: read one, validate a draft, deploy (with a content-hash precondition), undeploy.

`/admin/api/files/{file}`: GET answers the text with its hash as ETag; PUT writes a draft that the
linter accepts, atomically, when `If-Match` names the hash of the file on disk (or `If-None-Match: *`
for a new file); DELETE moves the file into `.undeployed/`. The hot reload is run at once, so the
answer carries the route's resulting state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web

from gateway.admin import files
from gateway.admin.drafts import check_draft
from gateway.admin.guard import Refused
from gateway.runtime import RUNTIME, Runtime


def _path(request: web.Request) -> Path:
    folder = request.app[RUNTIME].routes.directory
    try:
        return files.file_path(folder, request.match_info["file"])
    except files.BadFileName as exc:
        raise Refused(400, "bad_file_name", str(exc)) from None


async def _json(request: web.Request) -> Any:
    # JSON only: a cross-site form cannot send this type without a preflight.
    if request.content_type != "application/json":
        raise Refused(415, "unsupported_media_type", "send the body as Content-Type: application/json")
    try:
        return json.loads(await request.text())
    except ValueError as exc:
        raise Refused(400, "bad_request", f"the body is not JSON: {exc}") from None


def _state(runtime: Runtime, file: str) -> dict[str, Any] | None:
    return next((entry for entry in runtime.routes.status() if entry["file"] == file), None)


def _precondition(request: web.Request, current: str | None) -> None:
    """Refuse to overwrite or remove a file that changed on disk since the client read it."""
    match = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if current is None:
        if match and match != "*":
            raise Refused(412, "stale", "the file was removed on disk since you opened it; deploy it as a new file")
        if request.method == "DELETE":
            raise Refused(404, "not_found", "no such route file")
        return
    if request.headers.get("If-None-Match", "").strip() == "*":
        raise Refused(412, "exists", "a route file of this name exists; open it and deploy with its hash")
    if not match:
        raise Refused(428, "precondition_required", "send If-Match: the hash of the file you opened")
    if match != files.digest(current):
        raise Refused(
            412, "stale", "the file changed on disk since you opened it: reload it and apply your edits again"
        )


async def read_file(request: web.Request) -> web.Response:
    """`GET /admin/api/files/{file}`: the text, the parsed route, the hash (also as ETag) and the state."""
    path = _path(request)
    text = files.read_text(path)
    if text is None:
        raise Refused(404, "not_found", f"no route file {path.name}")
    digest = files.digest(text)
    try:
        route = json.loads(text)
    except ValueError:
        route = None
    state = _state(request.app[RUNTIME], path.name)
    body = {"file": path.name, "text": text, "route": route, "hash": digest, "state": state}
    return web.json_response(body, headers={"ETag": f'"{digest}"', "Cache-Control": "no-store"})


async def validate(request: web.Request) -> web.Response:
    """`POST /admin/api/validate` {file?, route | text}: the linter's report and the text as it would be written."""
    body = await _json(request)
    name = body.get("file") if isinstance(body, dict) else None
    name = name if isinstance(name, str) else "draft.json"
    try:
        path = files.file_path(request.app[RUNTIME].routes.directory, name)
    except files.BadFileName as exc:
        raise Refused(400, "bad_file_name", str(exc)) from None
    rest = {k: v for k, v in body.items() if k != "file"} if isinstance(body, dict) else body
    draft = check_draft(rest, path, request.app)
    return web.json_response(draft.as_json())


async def deploy(request: web.Request) -> web.Response:
    """`PUT /admin/api/files/{file}` {route | text}: lint, write atomically, reload; on errors 400, nothing written."""
    path = _path(request)
    body = await _json(request)
    _precondition(request, files.read_text(path))
    runtime = request.app[RUNTIME]
    draft = check_draft(body, path, request.app)
    if draft.errors or draft.text is None:
        raise Refused(400, "invalid_route", "the route has errors; nothing was written", draft.as_json())
    files.write_atomically(path, draft.text)
    runtime.routes.refresh()
    digest = files.digest(draft.text)
    answer = {"file": path.name, "hash": digest, "text": draft.text, "state": _state(runtime, path.name)}
    return web.json_response(answer, headers={"ETag": f'"{digest}"'})


async def undeploy(request: web.Request) -> web.Response:
    """`DELETE /admin/api/files/{file}` with If-Match: move the file into `.undeployed/`, reload."""
    path = _path(request)
    _precondition(request, files.read_text(path))
    kept = files.undeploy(path)
    runtime = request.app[RUNTIME]
    runtime.routes.refresh()
    return web.json_response({"file": path.name, "keptAs": f"{files.UNDEPLOYED}/{kept.name}"})
