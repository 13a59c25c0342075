"""OpenID Shared Signals Framework 1.0 §7: the transmitter configuration metadata.

The document lives at `/.well-known/ssf-configuration`, with the issuer's path (if any) appended
after the well-known part (§7.2, as RFC 8414 §3 does). The CAEP Interoperability Profile 1.0 asks
for `spec_version`, both delivery methods, the stream endpoints and `authorization_schemes`; no
member is ever an empty array.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

WELL_KNOWN = "/.well-known/ssf-configuration"
SPEC_VERSION = "1_0"
PUSH = "urn:ietf:rfc:8935"
POLL = "urn:ietf:rfc:8936"
OAUTH_SCHEME = {"spec_urn": "urn:ietf:rfc:6749"}


def well_known_path(issuer: str) -> str:
    """The path of the configuration document for `issuer` (SSF §7.2)."""
    path = urlsplit(issuer).path.rstrip("/")
    return WELL_KNOWN + path


def configuration(
    issuer: str, *, jwks_path: str, stream_path: str, status_path: str, verify_path: str, management: str | None = None
) -> dict[str, Any]:
    """The transmitter metadata of SSF §7.1; paths are absolute, below the issuer's origin (the JWKS)
    or below `management` (the stream API, when it is served elsewhere)."""
    origin = _origin(issuer)
    api = (management or origin).rstrip("/")
    return {
        "spec_version": SPEC_VERSION,
        "issuer": issuer,
        "jwks_uri": origin + jwks_path,
        "delivery_methods_supported": [PUSH, POLL],
        "configuration_endpoint": api + stream_path,
        "status_endpoint": api + status_path,
        "verification_endpoint": api + verify_path,
        "authorization_schemes": [OAUTH_SCHEME],
    }


def _origin(issuer: str) -> str:
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"issuer {issuer!r} must be an http(s) URL")
    return f"{parts.scheme}://{parts.netloc}"
