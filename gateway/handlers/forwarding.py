"""Header rules between client, gateway and upstream: hop-by-hop removal (RFC 9110 §7.6.1)
and the X-Forwarded-* headers, trusted only from configured proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from multidict import CIMultiDict, CIMultiDictProxy

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


def _connection_tokens(headers: CIMultiDictProxy[str] | CIMultiDict[str]) -> set[str]:
    tokens: set[str] = set()
    for value in headers.getall("Connection", ()):
        tokens.update(t.strip().lower() for t in value.split(",") if t.strip())
    return tokens


def end_to_end(headers: CIMultiDictProxy[str] | CIMultiDict[str], drop: frozenset[str] = frozenset()) -> CIMultiDict[str]:
    """A copy without hop-by-hop headers, those named in Connection, and `drop` (lower-case)."""
    named = _connection_tokens(headers) if "Connection" in headers else set()
    out: CIMultiDict[str] = CIMultiDict()
    for name, value in headers.items():
        lower = name.lower()
        if lower in HOP_BY_HOP or lower in named or lower in drop:
            continue
        out.add(name, value)
    return out


def client_address(peer: str | None, forwarded_for: str | None, networks: tuple[Network, ...]) -> str | None:
    """The client's address: the peer, or through trusted proxies the right-most untrusted hop."""
    if not forwarded_for or not is_trusted(peer, networks):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not is_trusted(hop, networks):
            return hop
    return peer


def set_forwarded(
    headers: CIMultiDict[str], *, peer: str | None, scheme: str, host: str | None, trusted: bool
) -> None:
    """Append the peer to X-Forwarded-For and set X-Forwarded-Proto/Host (kept only if trusted)."""
    prior = ", ".join(headers.getall("X-Forwarded-For", ())) if trusted else ""
    for name in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        if not trusted:
            headers.popall(name, None)
    if peer:
        headers["X-Forwarded-For"] = f"{prior}, {peer}" if prior else peer
    headers.setdefault("X-Forwarded-Proto", scheme)
    if host:
        headers.setdefault("X-Forwarded-Host", host)
