"""Assignment targets (`"target": "${attributes.user}"`): the writable places of an exchange.

OpenIG evaluates a target as an EL l-value. The gateway accepts the places a route can write —
`attributes` (also as `exchange.attributes` and `contexts.attributes.attributes`) and request
headers — parsed once at load time; anything else is a load error that names what is supported."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web

    from gateway.heap.context import BuildContext

SUPPORTED = "${attributes.NAME}, ${attributes['NAME']} or ${request.headers['NAME']}"
_NAME = r"(?:\.([A-Za-z_$][\w$]*)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\])"
_ATTRIBUTES = re.compile(r"(?:attributes|exchange\.attributes|contexts\.attributes\.attributes)((?:" + _NAME + ")+)")
_SESSION = re.compile(r"(?:session|exchange\.session)((?:" + _NAME + ")+)")
_HEADER = re.compile(r"request\.headers" + _NAME)
_STEP = re.compile(_NAME)


@dataclass(frozen=True, slots=True)
class Target:
    """A writable place: a path into the exchange's attributes, or one request header."""

    attributes: tuple[str, ...] = ()
    header: str | None = None
    # Steps into the route's JwtSession map instead of the attributes.
    in_session: bool = False

    def assign(self, request: web.BaseRequest, exchange: Any, value: Any) -> None:
        """Write `value` to the place (a header gets the text of the value, replacing earlier ones)."""
        if self.header is not None:
            headers = exchange.edit_headers(request.headers)
            headers.popall(self.header, None)
            if value is not None:
                for item in value if isinstance(value, list) else [value]:
                    headers.add(self.header, str(item))
            return
        place = exchange.jwt_session if self.in_session else exchange.attributes
        for step in self.attributes[:-1]:
            nested = place.get(step)
            if not isinstance(nested, dict):
                nested = place[step] = {}
            place = nested
        place[self.attributes[-1]] = value


def compile_target(text: str, path: str, ctx: BuildContext) -> Target | None:
    """The target written as `${...}`, or None (error recorded) when it is not a supported place."""
    body = text.strip()
    if body.startswith("${") and body.endswith("}"):
        body = body[2:-1].strip()
        if (found := _ATTRIBUTES.fullmatch(body)) is not None:
            return Target(attributes=_steps(found.group(1)))
        if (found := _SESSION.fullmatch(body)) is not None and ctx.writable_session:
            return Target(attributes=_steps(found.group(1)), in_session=True)
        if (found := _HEADER.fullmatch(body)) is not None:
            return Target(header=next(g for g in found.groups() if g is not None))
    hint = '; to write to session, give the route a "session" (a JwtSession)' if "session" in body else ""
    ctx.error(path, f"{text!r} is not a place the gateway can write: use {SUPPORTED}{hint}")
    return None


def _steps(text: str) -> tuple[str, ...]:
    return tuple(next(g for g in step.groups() if g is not None) for step in _STEP.finditer(text))
