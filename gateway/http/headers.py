"""Header names as upstreams see them: one normal form for names that servers fold together."""

from __future__ import annotations

# Stripping these from every client request would break the proxy or every other route's credentials.
# What clients send for themselves: framing, credentials, and the standard request fields of content
# negotiation, conditions and context (RFC 9110). A route adding one of them must not take every
# client's own away on every route (an `Accept` added on one route would empty all others').
NEVER_STRIPPED = frozenset(
    {"authorization", "connection", "content-length", "content-type", "cookie", "host", "keep-alive",
     "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
     "accept", "accept-charset", "accept-encoding", "accept-language", "cache-control", "expect",
     "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "origin",
     "pragma", "range", "referer", "user-agent", "sec-websocket-key", "sec-websocket-version",
     "sec-websocket-protocol", "sec-websocket-extensions"}
)  # fmt: skip


def normalise_header(name: str) -> str:
    """`X_User`, `x-user` and `X-USER` are one header to an upstream that folds names."""
    return name.lower().replace("_", "-")


def strippable(normalised: str) -> bool:
    """Whether a header a route injects may be removed from every client request (X-Forwarded-* are
    the forwarding rules' own, see `forwarding.py`)."""
    return normalised not in NEVER_STRIPPED and not normalised.startswith("x-forwarded-")
