"""Identity to the upstream, shared by every authentication filter: configured headers computed
from `identity`, and optionally the access token and the id_token.

Each header name is registered, normalised, in `ctx.injected_headers` when the filter loads, so
that the dispatcher strips it from every client request on every route: a client can never send
its own `X-User` (or `x_user`, `X-USER`) to an upstream that trusts the gateway's.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from aiohttp import web
from pydantic import Field

from gateway.auth.private_responses import PRIVATE, PrivateResponsesConfig
from gateway.http.headers import normalise_header, strippable
from gateway.keys import EXCHANGE

if TYPE_CHECKING:
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext

log = logging.getLogger("gateway.auth")

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_UNSAFE_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class IdentityHeadersConfig(PrivateResponsesConfig):
    """The options of every authentication filter that decorate the request for the upstream."""

    identityHeaders: dict[str, str] = Field(
        default_factory=dict,
        description='Header name → expression over identity, e.g. {"X-User": "${identity.sub}"}; '
        "these names are removed from every client request on every route.",
    )
    passAccessToken: bool = Field(False, description="Send the access token upstream as Authorization: Bearer.")
    passIdToken: str | None = Field(None, description="Header that carries the id_token upstream (e.g. X-Id-Token).")


@dataclass(frozen=True, slots=True)
class IdentityHeaders:
    """Compiled identity headers of one filter."""

    headers: tuple[tuple[str, Expression], ...]
    access_token: bool
    id_token: str | None
    cache_control: str | None = PRIVATE

    @classmethod
    def from_config(cls, config: IdentityHeadersConfig, ctx: BuildContext) -> Self:
        """Compile the expressions and register every injectable name for stripping."""
        compiled = []
        for name, text in config.identityHeaders.items():
            if _check_name(name, f"identityHeaders.{name}", ctx):
                compiled.append((name, ctx.expression(text, f"identityHeaders.{name}")))
        if config.passIdToken is not None:
            _check_name(config.passIdToken, "passIdToken", ctx)
        return cls(tuple(compiled), config.passAccessToken, config.passIdToken, config.cacheControl)

    def apply(self, request: web.BaseRequest, access_token: str | None = None, id_token: str | None = None) -> None:
        """Set the headers on the request the upstream will get (after `exchange.identity` is set)."""
        if not (self.headers or self.access_token or self.id_token):
            return
        exchange = request[EXCHANGE]
        headers = exchange.edit_headers(request.headers)
        for name, expression in self.headers:
            value = expression.as_str(exchange.scope)
            if _UNSAFE_VALUE.search(value):
                log.warning("identity header %s not sent: its value holds control characters", name)
            elif value:
                headers[name] = value
        if self.access_token:
            headers.popall("Authorization", None)
            if access_token:
                headers["Authorization"] = f"Bearer {access_token}"
        if self.id_token and id_token:
            headers[self.id_token] = id_token


def register_header(name: str, path: str, ctx: BuildContext) -> bool:
    """Check a header name a filter injects and register it to be stripped from every client request."""
    return _check_name(name, path, ctx)


def safe_value(value: str) -> bool:
    """Whether a header value holds no control characters."""
    return not _UNSAFE_VALUE.search(value)


def _check_name(name: str, path: str, ctx: BuildContext) -> bool:
    if not _TOKEN.match(name):
        ctx.error(path, f"{name!r} is not a valid header name")
        return False
    normalised = normalise_header(name)
    if not strippable(normalised):
        ctx.error(path, f"{name!r} cannot be an identity header: it would be removed from every request")
        return False
    ctx.injected_headers.add(normalised)
    return True
