"""OpenID Connect Discovery 1.0 (and RFC 8414): fetch and check a provider's metadata.

The `issuer` in the document must equal the configured issuer exactly (Discovery 4.3), and every
URL must be https, except for loopback hosts or a provider configured `insecure`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import urlsplit

import aiohttp

from gateway.oauth._http import get_json
from gateway.oauth.errors import BadIssuerUrl, DiscoveryFailed, IssuerMismatch

WELL_KNOWN = "/.well-known/openid-configuration"
_SIGNING_ALGS = "id_token_signing_alg_values_supported"
_ENDPOINTS = (
    "userinfo_endpoint",
    "end_session_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "device_authorization_endpoint",
)


def is_loopback_host(host: str) -> bool:
    """True for `localhost` and loopback IP literals."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, insecure: bool = False) -> None:
    """Refuse a URL that is not https, unless its host is loopback or `insecure` is set."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and (insecure or is_loopback_host(parts.hostname)):
        return
    raise BadIssuerUrl(f"{url!r} is not https (http is allowed for loopback hosts only)")


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """The parts of a provider's discovery document that the gateway uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None
    revocation_endpoint: str | None
    introspection_endpoint: str | None
    device_authorization_endpoint: str | None
    id_token_signing_alg_values_supported: tuple[str, ...]
    code_challenge_methods_supported: tuple[str, ...]
    backchannel_logout_supported: bool

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], issuer: str, *, insecure: bool = False) -> Self:
        """Check a discovery document against the expected issuer and build the metadata."""
        if doc.get("issuer") != issuer:
            raise IssuerMismatch(
                f"configuration error: the discovery document names issuer {doc.get('issuer')!r}, "
                f"the configuration expects {issuer!r} (they must be equal, character for character)"
            )
        optional = {name: _optional_url(doc, name, insecure) for name in _ENDPOINTS}
        return cls(
            issuer=issuer,
            authorization_endpoint=_url(doc, "authorization_endpoint", insecure),
            token_endpoint=_url(doc, "token_endpoint", insecure),
            jwks_uri=_url(doc, "jwks_uri", insecure),
            **optional,
            id_token_signing_alg_values_supported=_strings(doc, _SIGNING_ALGS),
            code_challenge_methods_supported=_strings(doc, "code_challenge_methods_supported"),
            backchannel_logout_supported=doc.get("backchannel_logout_supported") is True,
        )


async def discover(session: aiohttp.ClientSession, issuer: str, *, insecure: bool = False) -> ProviderMetadata:
    """Fetch `<issuer>/.well-known/openid-configuration` and check it."""
    check_url(issuer, insecure=insecure)
    status, doc = await get_json(session, issuer.rstrip("/") + WELL_KNOWN)
    if status != 200:
        raise DiscoveryFailed(f"{issuer}{WELL_KNOWN}: status {status}")
    return ProviderMetadata.from_document(doc, issuer, insecure=insecure)


def _url(doc: Mapping[str, Any], name: str, insecure: bool) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not value:
        raise DiscoveryFailed(f"discovery document lacks {name}")
    check_url(value, insecure=insecure)
    return value


def _optional_url(doc: Mapping[str, Any], name: str, insecure: bool) -> str | None:
    return _url(doc, name, insecure) if doc.get(name) is not None else None


def _strings(doc: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = doc.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DiscoveryFailed(f"discovery document: {name} is not a list of strings")
    return tuple(value)
