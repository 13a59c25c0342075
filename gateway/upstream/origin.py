"""Where upstream connections go: the key of the pool's idle connections."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from yarl import URL

_DEFAULT_PORTS = {"http": 80, "https": 443}
# A ws:// or wss:// baseURI serves plain requests too, over the matching http scheme.
_SCHEMES = {"http": "http", "ws": "http", "https": "https", "wss": "https"}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where connections go: scheme, host and port, the Host header that names them, and their TLS.

    The TLS context is part of the key: connections made with one client certificate or CA bundle
    are never reused by a handler configured with another."""

    scheme: str
    host: str
    port: int
    host_header: str
    tls: ssl.SSLContext | None = None

    @classmethod
    def of(cls, url: URL, tls: ssl.SSLContext | None = None) -> Origin:
        """The origin of an absolute http(s) URL; `tls` is used for https (None: the pool's default)."""
        scheme = _SCHEMES.get(url.scheme)
        if scheme is None or not url.host:
            raise ValueError(f"{url} is not an absolute http(s) or ws(s) URL")
        port = url.port or _DEFAULT_PORTS[scheme]
        return cls(scheme, url.host, port, url.host_port_subcomponent or url.host, tls if scheme == "https" else None)
