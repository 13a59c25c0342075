"""Authentication filters and their three outcomes: authenticated, not mine, or failed.

Consecutive authentication filters in a chain are grouped when the chain is folded: each is asked
in turn; the first that recognises its credential decides (identity, or a typed error); when none
does, the first filter's challenge answers (a login redirect for browsers, 401 for APIs)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiohttp import web

from gateway.auth.private_responses import PRIVATE, mark_private
from gateway.keys import EXCHANGE
from gateway.oauth.rfc6750 import bearer_token

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.identity import Identity


class AuthFilter(ABC):
    """Base of every authentication filter: subclasses implement authenticate and challenge."""

    # Given to authenticated responses without one (the filter's `cacheControl`; None: none).
    cache_control: str | None = PRIVATE

    @abstractmethod
    async def authenticate(self, request: web.BaseRequest) -> Identity | None:
        """The identity, None when the request carries no credential of this kind; raise on a bad one."""

    @abstractmethod
    async def challenge(self, request: web.BaseRequest) -> web.StreamResponse:
        """The answer when no authentication filter recognised the request."""

    async def admit(self, request: web.BaseRequest, identity: Identity) -> None:
        """Record the identity and decorate the request for the upstream (identity headers)."""
        exchange = request[EXCHANGE]
        exchange.identity = identity
        exchange.scope.refresh("identity", "session")

    async def respond(self, request: web.BaseRequest, response: web.StreamResponse) -> web.StreamResponse:
        """Post-process the upstream response (e.g. refreshed session cookies)."""
        return response

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Used alone: authenticate or challenge (no group to make for every request)."""
        if request[EXCHANGE].identity is not None:
            return await next(request)
        identity = await self.authenticate(request)
        if identity is None:
            return await self.challenge(request)
        return await self.admitted(request, identity, next)

    async def admitted(self, request: web.BaseRequest, identity: Identity, next: HandlerFn) -> web.StreamResponse:
        """Admit the identity, pass the request on, and post-process the answer."""
        await self.admit(request, identity)
        response = await self.respond(request, await next(request))
        return mark_private(response, self.cache_control)


class AuthGroup:
    """Consecutive authentication filters tried in order, folded once when the chain loads."""

    def __init__(self, members: Sequence[AuthFilter]) -> None:
        self.members = tuple(members)

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """The first member that recognises its credential decides."""
        if request[EXCHANGE].identity is not None:
            return await next(request)
        for member in self.members:
            identity = await member.authenticate(request)
            if identity is not None:
                return await member.admitted(request, identity, next)
        return await self.members[0].challenge(request)


def group_authentication(filters: Sequence[object]) -> list[object]:
    """Replace each run of consecutive AuthFilters by one AuthGroup."""
    out: list[object] = []
    run: list[AuthFilter] = []
    for item in filters:
        if isinstance(item, AuthFilter):
            run.append(item)
            continue
        if run:
            out.append(AuthGroup(run) if len(run) > 1 else run[0])
            run = []
        out.append(item)
    if run:
        out.append(AuthGroup(run) if len(run) > 1 else run[0])
    return out


def request_bearer_token(request: web.BaseRequest, *, checked: bool = True) -> str | None:
    """The request's RFC 6750 bearer token, None when it has none; raise BearerRequestError when misplaced
    (`checked=False`: its syntax is left to `rfc6750.check_syntax`)."""
    query = request.query if request.query_string else None
    return bearer_token(request.headers.getall("Authorization", ()), query, checked=checked)
