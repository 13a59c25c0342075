"""The names expressions may read below each root, checked when a template compiles.

A typo such as `contexts.client.remoteAdress` is a load error with a did-you-mean, never an empty
value at run time. `OPEN` marks a map whose keys are data (headers, session, claims): any key goes.
`LEAF` marks a value with no members (text, a number); Java methods on it are compiled separately.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

OPEN: Mapping[str, Any] = MappingProxyType({})
LEAF: Mapping[str, Any] = MappingProxyType({})

_URI = dict.fromkeys(
    ("scheme", "host", "port", "path", "rawPath", "query", "rawQuery", "fragment", "rawFragment", "authority",
     "rawAuthority", "userInfo", "rawUserInfo", "value"),
    LEAF,
)  # fmt: skip
_REQUEST = {
    "method": LEAF, "uri": _URI, "headers": OPEN, "queryParams": OPEN, "cookies": OPEN,
    "version": LEAF, "remoteAddress": LEAF, "entity": {"string": LEAF, "json": OPEN, "form": OPEN, "bytes": LEAF},
}  # fmt: skip
_RESPONSE = {
    "status": {"code": LEAF, "reasonPhrase": LEAF, "family": LEAF},
    "headers": OPEN, "cookies": OPEN, "version": LEAF,
}  # fmt: skip
_CLIENT = dict.fromkeys(
    ("remoteAddress", "remotePort", "remoteUser", "remoteHost", "localAddress", "localPort", "userAgent",
     "isSecure", "isExternal", "certificates"),
    LEAF,
)  # fmt: skip
_CLIENT["certificates"] = OPEN
_ROUTER = {"originalUri": LEAF, "baseUri": LEAF, "matchedUri": LEAF, "remainingUri": LEAF, "uriTemplateVariables": OPEN}
_OAUTH2 = {"accessToken": {"token": LEAF, "info": OPEN, "scopes": OPEN, "expiresAt": LEAF}}
_CONTEXTS = {
    "client": _CLIENT, "router": _ROUTER, "session": {"session": OPEN}, "attributes": {"attributes": OPEN},
    "oauth2": _OAUTH2,
}  # fmt: skip
_IDENTITY = {
    **dict.fromkeys(("sub", "subject", "iss", "issuer", "method", "sid"), LEAF), "claims": OPEN, "scopes": OPEN,
}  # fmt: skip

# What `${policy.*}` shows once a PolicyEnforcementFilter has decided (see policy/audit.py).
_POLICY = {
    **dict.fromkeys(("decision", "allowed", "source", "reason"), LEAF), "attributes": OPEN, "advices": OPEN,
}  # fmt: skip

_EXCHANGE = {
    "request": _REQUEST, "response": _RESPONSE, "session": OPEN, "attributes": OPEN, "principal": {"name": LEAF},
}  # fmt: skip

SCHEMA: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "request": _REQUEST,
        "response": _RESPONSE,
        "contexts": _CONTEXTS,
        "context": _CONTEXTS,
        "identity": _IDENTITY,
        "exchange": _EXCHANGE,
        "session": OPEN,
        "attributes": OPEN,
        "env": OPEN,
        "system": OPEN,
        "policy": _POLICY,
    }
)


def below(node: Mapping[str, Any] | None, key: Any) -> tuple[Mapping[str, Any] | None, bool]:
    """The schema under `node[key]`, and whether the key is allowed; None once a path is unchecked."""
    if node is None or node is OPEN:
        return None, True
    if node is LEAF:
        return None, False
    if not isinstance(key, str) or key not in node:
        return None, False
    return node[key], True
