"""Bearer tokens in requests (RFC 6750): where a token may come from, and the errors answered.

Only the `Authorization: Bearer` header carries a token here: a token in the query string leaks
into logs and browser history (RFC 6750 5.3), so `access_token=` is refused as `invalid_request`,
as are several Authorization headers (which one would the upstream believe?). A request without a
token gets a challenge without an `error` attribute (3.1); a bad token `invalid_token` (401); a
token lacking a required scope `insufficient_scope` (403) naming the scopes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from gateway.errors import BadRequest, Forbidden, GatewayError, Unauthorized

# b64token: the token syntax of RFC 6750 2.1.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# A quoted-string value we write ourselves; realms come from config and are checked at load time.
_SAFE_QUOTED = re.compile(r'[^"\\\x00-\x1f\x7f]*')


class BearerRequestError(BadRequest, code="invalid_request"):
    """The request carries a token in a way RFC 6750 does not allow."""

    public = "Send the token in one Authorization: Bearer header."


class TokenRequired(Unauthorized, code="token_required", public="A bearer token is required."):
    """No bearer token at all (RFC 6750 3.1: the challenge then has no error attribute)."""


class InsufficientScope(Forbidden, code="insufficient_scope", public="The token lacks a required scope."):
    """The token is valid but lacks a scope the route requires."""


def is_safe_realm(realm: str) -> bool:
    """Whether `realm` can be written in a quoted-string without escaping."""
    return _SAFE_QUOTED.fullmatch(realm) is not None


def bearer_token(values: Sequence[str], query: Mapping[str, str] | None, *, checked: bool = True) -> str | None:
    """The bearer token of a request with these Authorization header `values` and `query` parameters
    (None when it has no query string); None when it has none; raise BearerRequestError when misplaced.

    `checked=False` leaves the token's syntax to `check_syntax`, for a caller that looks the token up
    among tokens it verified before: a long token costs more to match than to look up."""
    if query and "access_token" in query:
        raise BearerRequestError("access_token in the query string")
    if not values:
        return None
    if len(values) > 1:
        raise BearerRequestError(f"{len(values)} Authorization headers")
    scheme, _, token = values[0].strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    if checked:
        check_syntax(token)
    return token


def check_syntax(token: str) -> None:
    """Raise BearerRequestError unless `token` is b64token syntax (RFC 6750 2.1)."""
    if not _B64TOKEN.fullmatch(token):
        raise BearerRequestError("the bearer token is empty or not b64token syntax")


def challenge(realm: str, error: str | None = None, scopes: Iterable[str] = ()) -> str:
    """A `WWW-Authenticate: Bearer` value (RFC 6750 3)."""
    parts = [f'realm="{realm}"']
    if error is not None:
        parts.append(f'error="{error}"')
    scope = " ".join(scopes)
    if scope:
        parts.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(parts)


def with_challenge(error: GatewayError, realm: str, scopes: Iterable[str] = ()) -> GatewayError:
    """The error with its RFC 6750 challenge header; the error attribute follows its status."""
    if isinstance(error, TokenRequired):
        error.headers["WWW-Authenticate"] = challenge(realm)
    elif error.status in _ERROR_CODES:
        error.headers["WWW-Authenticate"] = challenge(realm, _ERROR_CODES[error.status], scopes)
    return error


_ERROR_CODES = {400: "invalid_request", 401: "invalid_token", 403: "insufficient_scope"}
