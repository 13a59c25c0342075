"""Per-request state shared by the filters of one exchange."""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

if TYPE_CHECKING:
    from gateway.identity import Identity
    from gateway.scope import Scope


class RouteRef(Protocol):
    """The route serving the exchange, as the layers below routing see it (`gateway.routing.route.Route`)."""

    @property
    def name(self) -> str: ...


@dataclass(slots=True, eq=False)
class Exchange:
    """Everything filters learn about one request; lives at `request[EXCHANGE]`."""

    request_id: str
    scope: Scope = field(init=False)
    route: RouteRef | None = None
    base_uri: URL | None = None
    identity: Identity | None = None
    session: Any = None
    # The route's JwtSession (OpenIG's `session` key-value map), kept in a sealed cookie; None on other routes.
    jwt_session: dict[str, Any] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    decision: Any = None
    # OpenIG's OAuth2Context (`contexts.oauth2`), set by OAuth2ResourceServerFilter.
    oauth2: Any = None
    capture_id: str | None = None
    keep_host: bool = False
    # The client's headers as edited by filters; None until the first edit, to keep reads free.
    edited_headers: CIMultiDict[str] | None = None
    # The request body as the next hop reads it when a filter wraps it (capture tees it); None = as received.
    request_body: AsyncIterable[bytes] | None = None
    # The body as read once for `request.entity` expressions; None when not read (or too large).
    entity: bytes | None = None

    def request_headers(self, original: CIMultiDictProxy[str]) -> CIMultiDictProxy[str] | CIMultiDict[str]:
        """The request headers as the next hop should see them."""
        return original if self.edited_headers is None else self.edited_headers

    def edit_headers(self, original: CIMultiDictProxy[str]) -> CIMultiDict[str]:
        """A mutable copy of the request headers, made on the first edit."""
        if self.edited_headers is None:
            self.edited_headers = CIMultiDict(original)
        return self.edited_headers
