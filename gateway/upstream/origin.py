"""Where upstream connections go: the key of the pool's idle connections."""

from __future__ import annotations

from dataclasses import dataclass

from yarl import URL

_DEFAULT_PORTS = {"http": 80, "https": 443}
# A ws:// or wss:// baseURI serves plain requests too, over the matching http scheme.
_SCHEMES = {"http": "http", "ws": "http", "https": "https", "wss": "https"}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where connections go: scheme, host and port, and the Host header that names them."""

    scheme: str
    host: str
    port: int
    host_header: str

    @classmethod
    def of(cls, url: URL) -> Origin:
        """The origin of an absolute http(s) URL."""
        scheme = _SCHEMES.get(url.scheme)
        if scheme is None or not url.host:
            raise ValueError(f"{url} is not an absolute http(s) or ws(s) URL")
        port = url.port or _DEFAULT_PORTS[scheme]
        return cls(scheme, url.host, port, url.host_port_subcomponent or url.host)
