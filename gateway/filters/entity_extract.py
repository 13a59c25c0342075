"""EntityExtractFilter: finds regular-expression matches in a message body and stores them in a target."""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Self

from aiohttp import web
from aiohttp.payload import Payload
from pydantic import Field

from gateway.errors import GatewayError
from gateway.heap.targets import SUPPORTED, Target, compile_target
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.heap.context import BuildContext

# Bodies are read whole to be searched; a larger one is refused rather than held in memory.
MAX_BODY = 8 * 1024 * 1024
_GROUP = re.compile(r"\$(\d+)")


class BodyTooLarge(GatewayError, status=413, code="body_too_large", public="The request body is too large."):
    """A body to search is over the size the gateway reads whole."""


class ExtractBinding(ConfigModel):
    """One extraction: the first match of `pattern`, through `template`, stored under `key`."""

    key: str = Field(description="The name of the result in the target map.")
    pattern: str = Field(description="The regular expression to find.")
    template: str | None = Field(None, description="The result, with $1... for groups; none = the whole match.")


@dataclass(frozen=True, slots=True)
class _Extract:
    key: str
    pattern: re.Pattern[str]
    template: str | None

    def value(self, text: str) -> str | None:
        found = self.pattern.search(text)
        if found is None:
            return None
        if self.template is None:
            return found.group(0)
        return _GROUP.sub(lambda m: found.group(int(m.group(1))) or "", self.template)


@dataclass(eq=False)
class EntityExtractFilter:
    """Searches the request body (before it goes on) or the response body, into a map at `target`."""

    class Config(ConfigModel):
        messageType: Literal["REQUEST", "RESPONSE", "request", "response"] = Field(description="Which body to search.")
        charset: str = Field("utf-8", description="The body's character set.")
        target: str = Field(description=f"Where the map of results goes: {SUPPORTED}.")
        bindings: list[ExtractBinding] = Field(description="The patterns to find.")

    on_request: bool
    charset: str
    target: Target | None
    extracts: tuple[_Extract, ...]

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile every pattern once."""
        extracts = []
        for index, binding in enumerate(config.bindings):
            try:
                extracts.append(_Extract(binding.key, re.compile(binding.pattern, re.MULTILINE), binding.template))
            except re.error as exc:
                ctx.error(f"bindings[{index}].pattern", f"invalid regular expression {binding.pattern!r}: {exc}")
        try:
            "".encode(config.charset)
        except LookupError:
            ctx.error("charset", f"unknown character set {config.charset!r}")
        target = compile_target(config.target, "target", ctx)
        return cls(config.messageType.upper() == "REQUEST", config.charset, target, tuple(extracts))

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Read the body, search it, and pass it on intact."""
        exchange = request[EXCHANGE]
        if self.on_request:
            body = await _read(exchange.request_body or request.content.iter_any())
            exchange.request_body = _once(body)
            self._store(request, body)
            return await next(request)
        response = await next(request)
        if isinstance(response, web.Response):
            raw = response.body
            body = await raw.as_bytes() if isinstance(raw, Payload) else bytes(raw or b"")
            response.body = body
            self._store(request, body)
        return response

    def _store(self, request: web.BaseRequest, body: bytes) -> None:
        text = body.decode(self.charset, "replace")
        if self.target is not None:
            self.target.assign(request, request[EXCHANGE], {item.key: item.value(text) for item in self.extracts})


async def _read(chunks: AsyncIterable[bytes]) -> bytes:
    parts, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyTooLarge(f"body over {MAX_BODY} bytes")
        parts.append(chunk)
    return b"".join(parts)


async def _once(body: bytes) -> AsyncIterator[bytes]:
    if body:
        yield body
