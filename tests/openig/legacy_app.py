"""A small legacy web application on loopback, the upstream of the OpenIG corpus routes.

/redirect       302 to an absolute URL on the application itself
/cookies        sets `app=1` and `tracker=2`
/page           an HTML page with a CSRF token and a user name in it
/status/N       answers status N
anything else   the echo record as JSON: method, raw path, headers (name → values), cookies, body text
"""

from __future__ import annotations

from aiohttp import web

LOGIN = (
    '<html><h1>Please sign in</h1><form method="post">'
    '<input type="hidden" name="loginToken" value="lt-987"/></form></html>'
)
PAGE = '<html><form><input name="csrf" value="tok-123"/><span id="user">Babs Jensen</span></form></html>'


async def _echo(request: web.Request) -> web.Response:
    headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers.setdefault(name.lower(), []).append(value)
    body = (await request.read()).decode("utf-8", "replace")
    record = {"method": request.method, "path": request.raw_path, "headers": headers, "body": body}
    return web.json_response({**record, "cookies": dict(request.cookies)}, headers={"X-App-Version": "1.0"})


async def _redirect(request: web.Request) -> web.Response:
    origin = f"http://{request.host}"
    raise web.HTTPFound(f"{origin}/landing?from=app")


async def _cookies(request: web.Request) -> web.Response:
    response = await _echo(request)
    response.set_cookie("app", "1")
    response.set_cookie("tracker", "2")
    return response


async def _page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


async def _login(request: web.Request) -> web.Response:
    return web.Response(text=LOGIN, content_type="text/html")


async def _protected(request: web.Request) -> web.Response:
    if request.cookies.get("session") != "ok":
        return await _login(request)
    return await _echo(request)


async def _status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["code"]), text="status")


def legacy_app() -> web.Application:
    """The application, ready to serve."""
    app = web.Application()
    app.router.add_get("/redirect", _redirect)
    app.router.add_route("*", "/cookies", _cookies)
    app.router.add_route("*", "/page", _page)
    app.router.add_get("/login", _login)
    app.router.add_route("*", "/protected", _protected)
    app.router.add_route("*", "/status/{code}", _status)
    app.router.add_route("*", "/{tail:.*}", _echo)
    return app
