"""PasswordReplayFilter: logs in to a legacy application on the user's behalf by replaying credentials.

When `loginPage` holds for the request (or the application answers with a page matching
`loginPageContentMarker`), the filter runs `credentials` (a filter that finds them, e.g. a
FileAttributesFilter) and sends `request` — a StaticRequestFilter configuration — in place of the
user's request. `loginPageExtractions` read values (a hidden token, a nonce) from the login page
into `attributes.extracted` first. Failed logins are not retried, as in OpenIG."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web
from aiohttp.payload import Payload
from pydantic import Field

from gateway.heap.fields import Ref
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import Filter, HandlerFn
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext


class LoginPageExtraction(ConfigModel):
    """A value read from the login page into `attributes.extracted.<name>`."""

    name: str = Field(description="The name under attributes.extracted.")
    pattern: str = Field(description="A regular expression; its first group is the value.")


@dataclass(eq=False)
class PasswordReplayFilter:
    """Replays credentials to a login page, detected by a condition on the request or a marker in the response."""

    class Config(ConfigModel):
        request: dict[str, Any] = Field(description="The login request: a StaticRequestFilter configuration.")
        loginPage: str | None = Field(None, description="Expression true for requests to the login page.")
        loginPageContentMarker: str | None = Field(
            None, description="A regular expression that matches a response that is the login page."
        )
        credentials: Ref | None = Field(None, description="A filter that makes the credentials available first.")
        loginPageExtractions: list[LoginPageExtraction] = Field(
            default_factory=list, description="Values to read from the login page before replaying."
        )

    login_page: Expression | None
    marker: re.Pattern[str] | None
    credentials: Filter | None
    replay: Filter
    extractions: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile the condition and patterns; build the login request as a StaticRequestFilter."""
        if config.loginPage is None and config.loginPageContentMarker is None:
            ctx.error("loginPage", "give 'loginPage' or 'loginPageContentMarker' (or both)")
        login_page = ctx.expression(config.loginPage, "loginPage") if config.loginPage is not None else None
        marker = _pattern(config.loginPageContentMarker, "loginPageContentMarker", ctx)
        extractions = []
        for index, item in enumerate(config.loginPageExtractions):
            found = _pattern(item.pattern, f"loginPageExtractions[{index}].pattern", ctx)
            if found is not None:
                extractions.append((item.name, found))
        credentials = ctx.resolve_filter(config.credentials, "credentials") if config.credentials else None
        replay = _replay_filter(config.request, ctx)
        return cls(login_page, marker, credentials, replay, tuple(extractions))

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Replay on the login page; otherwise pass the request on and look at what comes back."""
        if self.login_page is not None and self.login_page.as_bool(request[EXCHANGE].scope):
            if self.extractions:
                self._extract(request, await _text(await next(request)))
            return await self._replay(request, next)
        if self.marker is None:
            return await next(request)
        response = await next(request)
        text = await _text(response)
        if self.marker.search(text) is None:
            return response
        self._extract(request, text)
        return await self._replay(request, next)

    async def _replay(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        async def send(replaced: web.BaseRequest) -> web.StreamResponse:
            return await self.replay.filter(replaced, next)

        if self.credentials is None:
            return await send(request)
        return await self.credentials.filter(request, send)

    def _extract(self, request: web.BaseRequest, text: str) -> None:
        extracted = request[EXCHANGE].attributes.setdefault("extracted", {})
        for name, pattern in self.extractions:
            found = pattern.search(text)
            extracted[name] = (found.group(1) if found.groups() else found.group(0)) if found else None


def _replay_filter(request: dict[str, Any], ctx: BuildContext) -> Filter:
    """The login request, built as the StaticRequestFilter it is; its errors point into `request` itself."""
    before = len(ctx.errors)
    replay = ctx.resolve_filter({"type": "StaticRequestFilter", "config": request}, "request")
    inner, outer = ctx.where("request.config"), ctx.where("request")
    for error in ctx.errors[before:]:
        if error.path == inner or error.path.startswith((f"{inner}.", f"{inner}[")):
            error.path = outer + error.path[len(inner) :]
    return replay


def _pattern(text: str | None, path: str, ctx: BuildContext) -> re.Pattern[str] | None:
    if text is None:
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        ctx.error(path, f"invalid regular expression {text!r}: {exc}")
        return None


async def _text(response: web.StreamResponse) -> str:
    """The response body as text, read whole and put back so that the response can still be sent."""
    if not isinstance(response, web.Response):
        return ""
    raw = response.body
    body = await raw.as_bytes() if isinstance(raw, Payload) else bytes(raw or b"")
    response.body = body
    return body.decode(response.charset or "utf-8", "replace")
