"""OpenIG's `Issuer` and `JwkSetSecretStore` heap objects: an OpenID provider as OpenIG route files name it.

An Issuer with a `wellKnownEndpoint` is discovered as an OidcProvider is (the issuer is the URL before
`/.well-known/openid-configuration`, and the document must name it). Without one, the endpoints come
from the configuration; ID token signatures are still always verified, so the keys must be named too:
`secretsProvider` a JwkSetSecretStore with its `jwkUrl`, and `issuer` the `iss` the tokens carry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from pydantic import Field

from gateway.heap.fields import Ref
from gateway.oauth.discovery import WELL_KNOWN, ProviderMetadata, check_url
from gateway.oauth.errors import ProviderError
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext

_ENDPOINTS = ("authorizeEndpoint", "tokenEndpoint", "userInfoEndpoint", "endSessionEndpoint", "revocationEndpoint")
_HANDLER_NOTE = "Accepted for OpenIG files; the gateway reaches the provider with its own HTTP client."


class JwkSetSecretStore:
    """Verification keys published as a JWK Set at a URL (the only secret store an Issuer can name)."""

    class Config(ConfigModel):
        jwkUrl: str = Field(description="URL of the JWK Set with the provider's signing keys.")
        handler: Ref | None = Field(None, description=_HANDLER_NOTE)
        cacheTimeout: str | float | None = Field(None, description="Accepted; keys are refetched on an unknown kid.")

    def __init__(self, url: str) -> None:
        self.url = url

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Check the URL (https, or http on loopback)."""
        check_endpoint(config.jwkUrl, "jwkUrl", ctx)
        return cls(config.jwkUrl)


class Issuer:
    """An OAuth 2.0 authorization server or OpenID provider, discovered or described."""

    class Config(ConfigModel):
        wellKnownEndpoint: str | None = Field(None, description="The provider's OpenID Connect discovery URL.")
        authorizeEndpoint: str | None = Field(None, description="Authorization endpoint (without wellKnownEndpoint).")
        tokenEndpoint: str | None = Field(None, description="Token endpoint (without wellKnownEndpoint).")
        userInfoEndpoint: str | None = Field(None, description="UserInfo endpoint (optional).")
        endSessionEndpoint: str | None = Field(None, description="RP-initiated logout endpoint (optional).")
        revocationEndpoint: str | None = Field(None, description="Token revocation endpoint (optional).")
        registrationEndpoint: str | None = Field(None, description="Accepted; clients are registered statically.")
        issuer: str | None = Field(None, description="The `iss` of the provider's tokens.")
        secretsProvider: Ref | None = Field(None, description="A JwkSetSecretStore with the ID token keys.")
        idTokenVerificationSecretId: str | None = Field(None, description="Accepted; the JWK Set's `kid` selects.")
        issuerHandler: Ref | None = Field(None, description=_HANDLER_NOTE)
        supportedDomains: list[str] = Field(default_factory=list, description="Accepted; no discovery by domain.")
        idTokenSkewAllowance: str | float | None = Field(None, description="Accepted; the ID token check allows 60 s.")

    def __init__(self, issuer: str, preset: ProviderMetadata | None) -> None:
        self.issuer = issuer
        # None: discovered at the well-known endpoint on first use.
        self.preset = preset

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self | None:
        """The issuer identifier, and the endpoints when they are configured rather than discovered."""
        if config.wellKnownEndpoint is not None:
            return cls._discovered(config, config.wellKnownEndpoint, ctx)
        missing = [k for k in ("authorizeEndpoint", "tokenEndpoint", "issuer") if getattr(config, k) is None]
        if config.secretsProvider is None:
            missing.append("secretsProvider")
        if missing:
            ctx.error("", f"give wellKnownEndpoint, or {', '.join(missing)} (ID token signatures are always verified)")
            return None
        store = ctx.resolve(config.secretsProvider or "", "secretsProvider", JwkSetSecretStore)
        for key in _ENDPOINTS:
            if (url := getattr(config, key)) is not None:
                check_endpoint(url, key, ctx)
        if store is None:
            return None
        assert config.issuer and config.authorizeEndpoint and config.tokenEndpoint  # checked above
        metadata = ProviderMetadata(
            config.issuer, config.authorizeEndpoint, config.tokenEndpoint, store.url, config.userInfoEndpoint,
            config.endSessionEndpoint, config.revocationEndpoint, None, None, (), ("S256",), False,
        )  # fmt: skip
        return cls(config.issuer, metadata)

    @classmethod
    def _discovered(cls, config: Config, url: str, ctx: BuildContext) -> Self | None:
        if not url.endswith(WELL_KNOWN):
            ctx.error("wellKnownEndpoint", f"{url!r} does not end with {WELL_KNOWN}")
            return None
        issuer = url.removesuffix(WELL_KNOWN)
        if config.issuer is not None and config.issuer.rstrip("/") != issuer.rstrip("/"):
            ctx.error("issuer", f"{config.issuer!r} is not the issuer of wellKnownEndpoint ({issuer!r})")
        check_endpoint(url, "wellKnownEndpoint", ctx)
        return cls(issuer, None)


def check_endpoint(url: str, path: str, ctx: BuildContext) -> None:
    """Record an error unless `url` is https (or http on loopback)."""
    try:
        check_url(url)
    except ProviderError as exc:
        ctx.error(path, str(exc.reason))
