"""OidcProvider: one OpenID provider in the global heap, discovered lazily and shared by routes."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from typing import TYPE_CHECKING, Any, Self

import aiohttp
from pydantic import Field

from gateway.oauth.client import ClientCredentials
from gateway.oauth.discovery import ProviderMetadata, check_url, discover
from gateway.oauth.errors import IssuerMismatch, ProviderError, ProviderUnavailable
from gateway.oauth.idtoken import IdTokenValidator
from gateway.oauth.jwks import JwksCache
from gateway.upstream.tls import TlsConfigError, TlsOptions, client_context
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.services import Services

log = logging.getLogger("gateway.auth")

# After a failed discovery, wait this long before asking the provider again.
_RETRY_SECONDS = 5.0


class OidcProvider:
    """An OpenID provider and this gateway's client registration with it."""

    class Config(ConfigModel):
        issuer: str = Field(description="Issuer URL; discovery at <issuer>/.well-known/openid-configuration.")
        clientId: str = Field(description="This gateway's client id at the provider.")
        clientSecret: str | None = Field(
            None, description='Client secret; write "${ENV_VAR}" to take it from the environment.'
        )
        scopes: list[str] = Field(
            default_factory=lambda: ["openid", "email", "profile"], description="Scopes to ask for."
        )
        authorizeParams: dict[str, str] = Field(
            default_factory=dict, description="Extra authorization request parameters."
        )
        claims: dict[str, str | list[str | int]] = Field(
            default_factory=dict, description="Identity attribute → claim name, or path such as [org, id]."
        )
        displayName: str | None = Field(None, description="Button label on the login chooser page.")
        position: int = Field(0, description="Order on the login chooser page.")
        signingAlgorithms: list[str] = Field(
            default_factory=lambda: ["RS256", "PS256", "ES256", "EdDSA"], description="Accepted signature algorithms."
        )
        insecure: bool = Field(
            False, description="Allow an http:// issuer that is not on loopback (never in production)."
        )
        resource: str | None = Field(None, description="RFC 8707 resource for JWT access tokens (audience of the API).")
        jwksCooldown: str | float = Field("60 s", description="Minimum time between two JWKS refetches.")
        tls: TlsOptions | None = Field(None, description="TLS to the provider: CA bundle, client certificate.")

    def __init__(self, name: str, config: Config, services: Services, cooldown: float) -> None:
        self.name = name
        self.config = config
        self.services = services
        self.cooldown = cooldown
        self.credentials = ClientCredentials(
            config.clientId, config.clientSecret, "client_secret_basic" if config.clientSecret else "none"
        )
        self._metadata: ProviderMetadata | None = None
        # Endpoints given in configuration instead of discovery (an OpenIG Issuer without wellKnownEndpoint).
        self.preset: ProviderMetadata | None = None
        self._keys: JwksCache | None = None
        self._id_tokens: IdTokenValidator | None = None
        self._failed_at = 0.0
        self._failure: type[ProviderError] = ProviderError
        self._lock = asyncio.Lock()
        self.tls: ssl.SSLContext | None = None

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Check the issuer URL and algorithms at load time; discovery waits for the first use."""
        try:
            check_url(config.issuer, insecure=config.insecure)
        except ProviderError as exc:
            ctx.error("issuer", str(exc.reason))
        if "none" in config.signingAlgorithms or any(a.startswith("HS") for a in config.signingAlgorithms):
            ctx.error("signingAlgorithms", "only asymmetric algorithms are allowed (no 'none', no HS*)")
        name = ctx.object_name or config.issuer
        provider = cls(name, config, ctx.services, ctx.duration(config.jwksCooldown, "jwksCooldown"))
        if config.tls is not None:
            try:
                provider.tls = client_context(config.tls, f" for provider {name}")
            except TlsConfigError as exc:
                ctx.error(f"tls.{exc.option}", str(exc))
        return provider

    @property
    def label(self) -> str:
        """What the chooser page shows."""
        return self.config.displayName or self.name

    def http(self) -> aiohttp.ClientSession:
        """The shared client session, or this provider's own when it has TLS options."""
        if self.services.http is None:
            raise ProviderError("the HTTP client is not running")
        return self.services.http if self.tls is None else self.services.tls_sessions.session(self.tls)

    async def metadata(self) -> ProviderMetadata:
        """The provider's discovery document, fetched once (retried after a pause on failure)."""
        if self._metadata is not None:
            return self._metadata
        async with self._lock:
            if self._metadata is None:
                if time.monotonic() - self._failed_at < _RETRY_SECONDS:
                    raise self._failure(f"{self.config.issuer}: discovery failed recently; retrying shortly")
                try:
                    self._metadata = self.preset or await discover(
                        self.http(), self.config.issuer, insecure=self.config.insecure
                    )
                except IssuerMismatch as exc:
                    self._failed_at = time.monotonic()
                    self._failure = IssuerMismatch
                    log.error("provider %s: %s", self.name, exc.reason)
                    raise
                except (ProviderError, aiohttp.ClientError, TimeoutError) as exc:
                    self._failed_at = time.monotonic()
                    # Unreachable is a passing outage (503); a bad answer is the provider's fault (502).
                    bad_answer = isinstance(exc, ProviderError) and not isinstance(exc, ProviderUnavailable)
                    self._failure = ProviderError if bad_answer else ProviderUnavailable
                    raise self._failure(f"{self.config.issuer}: discovery failed: {exc}") from exc
                self._keys = JwksCache(self.http(), self._metadata.jwks_uri, cooldown=self.cooldown)
        return self._metadata

    async def keys(self) -> JwksCache:
        """The provider's signing keys."""
        await self.metadata()
        assert self._keys is not None  # set together with the metadata
        return self._keys

    async def id_token_validator(self) -> IdTokenValidator:
        """The validator of this provider's id_tokens for this client, built once its keys are known."""
        if self._id_tokens is None:
            metadata, keys = await self.metadata(), await self.keys()
            self._id_tokens = IdTokenValidator(
                metadata.issuer, self.config.clientId, keys, algorithms=self.config.signingAlgorithms
            )
        return self._id_tokens

    def map_claims(self, claims: dict[str, Any]) -> dict[str, Any]:
        """Identity attributes through the correlation table; unmapped claims pass as they are."""
        out = dict(claims)
        for attribute, source in self.config.claims.items():
            out[attribute] = _lookup(claims, source)
        return out


def _lookup(claims: dict[str, Any], source: str | list[str | int]) -> Any:
    if isinstance(source, str):
        return claims.get(source)
    value: Any = claims
    for part in source:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and -len(value) <= part < len(value):
            value = value[part]
        else:
            return None
    return value
