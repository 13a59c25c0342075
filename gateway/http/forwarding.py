"""Header rules between client, gateway and upstream: hop-by-hop removal (RFC 9110 §7.6.1)
and the X-Forwarded-* headers, believed only from configured trusted proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from multidict import CIMultiDict, CIMultiDictProxy

Headers = CIMultiDictProxy[str] | CIMultiDict[str]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Besides X-Forwarded-*: other ways a client claims an address or scheme that an upstream may believe.
_CLAIMS = frozenset({"forwarded", "x-real-ip"})
_CLAIM_PREFIX = "x-forwarded-"
_NONE: frozenset[str] = frozenset()
_CLOSE = frozenset({"close"})

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs or addresses → networks; raises ValueError naming the bad value."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def is_trusted(address: str | None, networks: tuple[Network, ...]) -> bool:
    """Whether a peer address belongs to a trusted proxy."""
    if not networks or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _connection_tokens(headers: Headers) -> frozenset[str]:
    if "Connection" not in headers:
        return _NONE
    tokens = (t.strip().lower() for value in headers.getall("Connection") for t in value.split(","))
    return frozenset(t for t in tokens if t)


def client_named_headers(headers: Headers) -> frozenset[str]:
    """Header names the client's Connection header lists beyond the hop-by-hop ones (lower-case)."""
    return _connection_tokens(headers) - HOP_BY_HOP - _CLOSE


def end_to_end(headers: Headers, drop: frozenset[str] = HOP_BY_HOP) -> CIMultiDict[str]:
    """A copy without `drop` (lower-case names; hop-by-hop by default) and the names listed in Connection."""
    named = _connection_tokens(headers)
    out: CIMultiDict[str] = CIMultiDict()
    for name, value in headers.items():
        lower = name.lower()
        if lower not in drop and lower not in named:
            out.add(name, value)
    return out


HOP_BY_HOP_BYTES = frozenset(name.encode() for name in HOP_BY_HOP)
_NAMES_NOTHING = HOP_BY_HOP | {"close", ""}
# Names upstreams send on most answers, decoded once by their exact bytes: a lookup instead of
# lower-casing, testing and decoding each one per response.
_COMMON = ("Server", "Date", "Content-Type", "Content-Length", "Last-Modified", "ETag", "Accept-Ranges",
           "Cache-Control", "Expires", "Vary", "Location", "Set-Cookie", "Content-Encoding", "Age", "Pragma",
           "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy",
           "Access-Control-Allow-Origin", "Content-Disposition", "Content-Language", "WWW-Authenticate")  # fmt: skip
_KNOWN = {spelt.encode(): spelt for name in _COMMON for spelt in (name, name.lower())}


def response_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """An upstream's raw response headers without hop-by-hop ones and those its Connection names."""
    out: list[tuple[str, str]] = []
    named: set[str] = set()
    known = _KNOWN
    for name, value in raw:
        text = known.get(name)
        if text is None:
            lower = name.lower()
            if lower in HOP_BY_HOP_BYTES:
                if lower == b"connection":
                    named.update(t.strip().lower() for t in value.decode("latin-1").split(","))
                continue
            text = name.decode("latin-1")
        # Bytes that are not UTF-8 survive decoding; aiohttp's writer drops them rather than mangle them.
        out.append((text, value.decode("utf-8", "surrogateescape")))
    # `Connection: keep-alive` (or close) names nothing left to remove: no second pass for it.
    if named and not named <= _NAMES_NOTHING:
        out = [(name, value) for name, value in out if name.lower() not in named]
    return out


# The same names lower-cased, by their exact bytes, for answers relayed as bytes (`handlers.raw_head`).
KNOWN_LOWER = {spelt: text.lower().encode() for spelt, text in _KNOWN.items()}
# What a Connection header may list without naming a field to remove.
NAMES_NOTHING = frozenset(name.encode() for name in _NAMES_NOTHING)
# The Connection values seen on nearly every answer, known at once to name nothing.
_USUAL_CONNECTION = frozenset({b"keep-alive", b"close", b"Keep-Alive", b"Close"})


def names_nothing(value: bytes) -> bool:
    """Whether a Connection value names no field to drop beside the hop-by-hop ones."""
    return value in _USUAL_CONNECTION or {t.strip() for t in value.lower().split(b",")} <= NAMES_NOTHING


# Every claim's name starts with one of these: most names are ruled out without lower-casing them.
_CLAIM_INITIALS = frozenset(c for name in (*_CLAIMS, _CLAIM_PREFIX) for c in (name[0], name[0].upper()))
# X-Forwarded-For as servers that read `_` as `-` see it.
_FORWARDED_FOR = frozenset({"x-forwarded-for", "x_forwarded_for", "x-forwarded_for", "x_forwarded-for"})


def is_claim(name: str) -> bool:
    """Whether a header claims a client's address or scheme: X-Forwarded-*, Forwarded, X-Real-IP.

    Some servers read X_Forwarded_For as X-Forwarded-For: the names are compared as they would."""
    if name[:1] not in _CLAIM_INITIALS:
        return False
    lower = name.lower()
    claim = lower.replace("_", "-") if "_" in lower else lower
    return claim.startswith(_CLAIM_PREFIX) or claim in _CLAIMS


def forwarded_request_headers(
    headers: Headers, drop: frozenset[str], *, peer: str | None, scheme: str
) -> CIMultiDict[str]:
    """The end-to-end headers for the upstream, with X-Forwarded-For/Proto/Host.

    A client's own claims (`is_claim`) were removed as the request arrived unless its peer is a
    trusted proxy; those left (a trusted proxy's, or a filter's) pass, X-Forwarded-For extended."""
    named = _connection_tokens(headers)
    out: CIMultiDict[str] = CIMultiDict()
    chain: list[str] = []
    for name, value in headers.items():
        lower = name.lower()
        if lower in drop or lower in named:
            continue
        if lower in _FORWARDED_FOR:
            chain.append(value)
            continue
        out.add(name, value)
    if peer:
        chain.append(peer)
    if chain:
        out["X-Forwarded-For"] = ", ".join(chain)
    if "X-Forwarded-Proto" not in out:
        out["X-Forwarded-Proto"] = scheme
    host = headers.get("Host")
    if host and "X-Forwarded-Host" not in out:
        out["X-Forwarded-Host"] = host
    return out


def client_address(peer: str | None, forwarded_for: str | None, networks: tuple[Network, ...]) -> str | None:
    """The client's address: the peer, or through trusted proxies the right-most untrusted hop."""
    if not forwarded_for or not is_trusted(peer, networks):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not is_trusted(hop, networks):
            return hop
    return peer
