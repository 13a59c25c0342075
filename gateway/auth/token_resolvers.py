"""OpenIG's access token resolvers, for OAuth2ResourceServerFilter, run by the gateway's bearer checks.

`StatelessAccessTokenResolver`: RFC 9068 JWTs verified locally against the issuer's JWK Set (a
JwkSetSecretStore). `TokenIntrospectionAccessTokenResolver`: any token asked about at an RFC 7662
endpoint. OpenIG authenticates the introspection request inside `providerHandler`; the gateway makes
the request itself and takes the client's credentials as `clientId` and `clientSecret`. Neither checks
an audience unless `audience` is given, as in OpenIG.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from pydantic import Field

from gateway.auth.issuer import JwkSetSecretStore, check_endpoint
from gateway.auth.provider import OidcProvider
from gateway.heap.fields import Ref
from gateway.oauth.client import ClientCredentials
from gateway.oauth.discovery import ProviderMetadata
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext

_AUDIENCE = "Gateway addition: the `aud` tokens must name (OpenIG checks none)."


def _provider(name: str, issuer: str, metadata: ProviderMetadata, ctx: BuildContext) -> OidcProvider:
    provider = OidcProvider(name, OidcProvider.Config(issuer=issuer, clientId="resource-server"), ctx.services, 60.0)
    provider.preset = metadata
    return provider


def _metadata(issuer: str, jwks: str = "", introspection: str | None = None) -> ProviderMetadata:
    return ProviderMetadata(issuer, "", "", jwks, None, None, None, introspection, None, (), (), False)


@dataclass(frozen=True, eq=False)
class AccessTokenResolver:
    """What a resolver tells the bearer verifier: the provider of the tokens, the audience they must name
    ("" = any), and whether they are introspected rather than verified locally as JWTs."""

    class Config(ConfigModel):
        audience: str = Field("", description=_AUDIENCE)

    provider: OidcProvider
    audience: str
    introspect: bool


class StatelessAccessTokenResolver(AccessTokenResolver):
    """JWT access tokens of one issuer, verified with its published keys."""

    class Config(AccessTokenResolver.Config):
        issuer: str = Field(description="The `iss` the tokens must carry.")
        secretsProvider: Ref = Field(description="A JwkSetSecretStore with the issuer's signing keys.")
        verificationSecretId: str | None = Field(None, description="Accepted; the token's `kid` selects the key.")
        skewAllowance: str | float | None = Field(None, description="Accepted; 60 s of clock skew is allowed.")

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self | None:
        """Resolve the key store; the keys are fetched on first use."""
        store = ctx.resolve(config.secretsProvider, "secretsProvider", JwkSetSecretStore)
        if store is None:
            return None
        provider = _provider(ctx.object_name or config.issuer, config.issuer, _metadata(config.issuer, store.url), ctx)
        return cls(provider, config.audience, introspect=False)


class TokenIntrospectionAccessTokenResolver(AccessTokenResolver):
    """Any access token, asked about at the authorization server's introspection endpoint."""

    class Config(AccessTokenResolver.Config):
        endpoint: str = Field(description="The RFC 7662 introspection endpoint.")
        clientId: str = Field(description="Gateway addition: the client that asks (OpenIG: in providerHandler).")
        clientSecret: str | None = Field(None, description="Gateway addition: that client's secret.")
        providerHandler: Ref | None = Field(
            None, description="Accepted; the gateway sends the request itself, authenticated as clientId."
        )
        issuer: str = Field("", description="Gateway addition: the `iss` answers must name (default: not checked).")

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Check the endpoint; the client authenticates with its secret (basic) or as a public client."""
        check_endpoint(config.endpoint, "endpoint", ctx)
        metadata = _metadata(config.issuer, introspection=config.endpoint)
        provider = _provider(ctx.object_name or config.endpoint, config.issuer, metadata, ctx)
        secret = config.clientSecret
        provider.credentials = ClientCredentials(config.clientId, secret, "client_secret_basic" if secret else "none")
        return cls(provider, config.audience, introspect=True)
