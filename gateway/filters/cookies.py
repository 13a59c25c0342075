"""CookieFilter: manages, suppresses or relays cookies between the user agent and the application.

Managed cookies stay on the gateway: the application's Set-Cookie is kept in a jar and sent back on
later requests, and the user agent sees neither. The jar is held in this process, keyed by an
opaque random cookie the filter sets; it is bounded, and forgets the least recently used jars."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Literal, Self

from aiohttp import web
from multidict import CIMultiDict
from pydantic import Field

from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.heap.context import BuildContext

Action = Literal["MANAGE", "SUPPRESS", "RELAY"]
JAR_COOKIE = "gateway-cookie-jar"
_MAX_JARS = 10_000


@dataclass(eq=False)
class CookieFilter:
    """Decides per cookie name: MANAGE (kept on the gateway), SUPPRESS (dropped both ways) or RELAY."""

    class Config(ConfigModel):
        managed: list[str] = Field(default_factory=list, description="Cookie names kept on the gateway.")
        suppressed: list[str] = Field(default_factory=list, description="Cookie names removed both ways.")
        relayed: list[str] = Field(default_factory=list, description="Cookie names passed both ways untouched.")
        defaultAction: Action = Field("MANAGE", description="What happens to other cookies (MANAGE, SUPPRESS, RELAY).")

    actions: dict[str, Action]
    default: Action
    jars: OrderedDict[str, dict[str, str]] = field(default_factory=OrderedDict)

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """The action of each named cookie; managed wins over suppressed over relayed, as in OpenIG."""
        actions: dict[str, Action] = {name.lower(): "RELAY" for name in config.relayed}
        actions.update({name.lower(): "SUPPRESS" for name in config.suppressed})
        actions.update({name.lower(): "MANAGE" for name in config.managed})
        return cls(actions, config.defaultAction)

    def action(self, name: str) -> Action:
        """What to do with cookie `name`."""
        return self.actions.get(name.lower(), self.default)

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Edit the Cookie header on the way in and Set-Cookie on the way out."""
        exchange = request[EXCHANGE]
        jar_id = request.cookies.get(JAR_COOKIE)
        jar = self._jar(jar_id)
        if jar is not None or "Cookie" in exchange.request_headers(request.headers):
            self._request_cookies(exchange.edit_headers(request.headers), jar)
        response = await next(request)
        managed = self._from_response(response)
        if managed:
            if jar is None or jar_id is None:
                jar_id, jar = secrets.token_urlsafe(24), {}
                self._store(jar_id, jar)
                response.set_cookie(JAR_COOKIE, jar_id, path="/", httponly=True, samesite="Lax")
            _merge(jar, managed)
        return response

    def _request_cookies(self, headers: CIMultiDict[str], jar: dict[str, str] | None) -> None:
        """The relayed cookies of the client, then the managed ones of its jar."""
        kept = [
            (name, value)
            for name, value in _pairs(headers.getall("Cookie", []))
            if name != JAR_COOKIE and self.action(name) == "RELAY"
        ]
        kept += list(jar.items()) if jar is not None else []
        headers.popall("Cookie", None)
        if kept:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in kept)

    def _from_response(self, response: web.StreamResponse) -> dict[str, str | None]:
        """Managed cookies the application set (None = deleted); suppressed and managed leave the response."""
        managed: dict[str, str | None] = {}
        keep = []
        for line in response.headers.getall("Set-Cookie", []):
            parsed = _set_cookie(line)
            if parsed is None or self.action(parsed[0]) == "RELAY":
                keep.append(line)
            elif self.action(parsed[0]) == "MANAGE":
                managed[parsed[0]] = parsed[1]
        if len(keep) != len(response.headers.getall("Set-Cookie", [])):
            response.headers.popall("Set-Cookie", None)
            for line in keep:
                response.headers.add("Set-Cookie", line)
        return managed

    def _jar(self, jar_id: str | None) -> dict[str, str] | None:
        jar = self.jars.get(jar_id) if jar_id else None
        if jar is not None:
            self.jars.move_to_end(jar_id)  # type: ignore[arg-type]
        return jar

    def _store(self, jar_id: str, jar: dict[str, str]) -> None:
        self.jars[jar_id] = jar
        while len(self.jars) > _MAX_JARS:
            self.jars.popitem(last=False)


def _merge(jar: dict[str, str], managed: dict[str, str | None]) -> None:
    for name, value in managed.items():
        if value is None:
            jar.pop(name, None)
        else:
            jar[name] = value


def _pairs(lines: list[str]) -> list[tuple[str, str]]:
    """Name and value of each cookie in Cookie header lines, in order."""
    out = []
    for line in lines:
        for part in line.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                out.append((name, value))
    return out


def _set_cookie(line: str) -> tuple[str, str | None] | None:
    """Name and value of a Set-Cookie line; value None when it deletes the cookie."""
    try:
        cookie = SimpleCookie(line)
    except CookieError:
        return None
    for name, morsel in cookie.items():
        expired = morsel["max-age"] in ("0", "-1")
        return name, None if expired else morsel.value
    return None
