"""OpenIG's `ClientRegistration`: this gateway's client at an Issuer, run as an OidcProvider.

The registration and its Issuer become one OidcProvider named after the registration, so the login, the
callback, the session, refresh and logout are those of OidcLoginFilter.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Literal, Self

from pydantic import Field

from gateway.auth.issuer import Issuer
from gateway.auth.provider import OidcProvider
from gateway.heap.fields import Ref
from gateway.oauth.client import ClientCredentials
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext

_REFUSED_METHODS = {
    "private_key_jwt": "private_key_jwt client authentication is not provided; use client_secret_basic or "
    "client_secret_post with clientSecret",
}


class ClientRegistration:
    """A client id (and secret) registered at an Issuer, with the scopes to ask for."""

    class Config(ConfigModel):
        clientId: str = Field(description="The client_id registered at the provider.")
        clientSecret: str | None = Field(None, description="The client secret (none: a public client).")
        issuer: Ref = Field(description="The Issuer this client is registered at.")
        scopes: list[str] = Field(default_factory=lambda: ["openid"], description="Scopes to ask for.")
        tokenEndpointAuthMethod: Literal["client_secret_basic", "client_secret_post", "private_key_jwt"] = Field(
            "client_secret_basic", description="How the client authenticates at the token endpoint."
        )
        registrationHandler: Ref | None = Field(
            None, description="Accepted for OpenIG files; the gateway reaches the provider with its own HTTP client."
        )
        pkceMethod: Literal["S256"] = Field("S256", description="PKCE is always used, with S256.")
        skipSignatureVerification: bool = Field(False, description="ID token signatures are always verified.")

    def __init__(self, provider: OidcProvider) -> None:
        self.provider = provider

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self | None:
        """Resolve the Issuer and build the provider; discovery waits for the first login."""
        issuer = ctx.resolve(config.issuer, "issuer", Issuer)
        if config.skipSignatureVerification:
            ctx.error("skipSignatureVerification", "ID token signatures are always verified; remove this setting")
        if config.tokenEndpointAuthMethod in _REFUSED_METHODS:
            ctx.error("tokenEndpointAuthMethod", _REFUSED_METHODS[config.tokenEndpointAuthMethod])
        if issuer is None or config.skipSignatureVerification or config.tokenEndpointAuthMethod in _REFUSED_METHODS:
            return None
        name = ctx.object_name or config.clientId
        settings = OidcProvider.Config(
            issuer=issuer.issuer, clientId=config.clientId, clientSecret=config.clientSecret, scopes=config.scopes,
            displayName=name,
        )  # fmt: skip
        # Sessions name the provider that made them: qualified by the route file, a registration never
        # accepts the sessions of a global OidcProvider, or of another route's registration, of the same name.
        provider = OidcProvider(f"{name}@{PurePath(ctx.file).stem}" if ctx.file else name, settings, ctx.services, 60.0)
        provider.preset = issuer.preset
        method = config.tokenEndpointAuthMethod
        provider.credentials = ClientCredentials(
            config.clientId,
            config.clientSecret,
            "none" if not config.clientSecret or method == "private_key_jwt" else method,
        )
        return cls(provider)
