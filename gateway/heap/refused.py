"""OpenIG heap types the gateway refuses on purpose, each with the reason and what to use instead."""

from __future__ import annotations

_SCRIPT = (
    "Groovy scripts are not run by this gateway (no script engine in the request path); "
    "use expressions in StaticRequestFilter, AssignmentFilter, HeaderFilter, SwitchFilter or ConditionalFilter"
)

REFUSED: dict[str, str] = {
    "ScriptableFilter": _SCRIPT,
    "ScriptableHandler": f"{_SCRIPT}, or StaticResponseHandler for a fixed answer",
    "ScriptableThrottlingPolicy": (
        "Groovy scripts are not run by this gateway; use MappedThrottlingPolicy or DefaultRateThrottlingPolicy"
    ),
    "SamlFederationHandler": (
        "SAML 2.0 federation is not provided; put an OpenID Connect provider in front of the SAML IdP "
        "and use OAuth2ClientFilter (or OidcLoginFilter)"
    ),
    "SqlAttributesFilter": (
        "the gateway opens no SQL connections from routes; use FileAttributesFilter with an exported CSV, "
        "or have the upstream look the attributes up"
    ),
    "UmaFilter": "User-Managed Access is not provided; use OAuth2ResourceServerFilter with scopes",
    "CryptoHeaderFilter": (
        "it encrypts headers with DES, which is broken; send identity over TLS with HeaderFilter, or as a signed token"
    ),
    "OpenAmAccessTokenResolver": (
        "it reads OpenAM's deprecated tokeninfo endpoint; use TokenIntrospectionAccessTokenResolver (RFC 7662)"
    ),
    "ScriptableAccessTokenResolver": (
        "Groovy scripts are not run by this gateway; use TokenIntrospectionAccessTokenResolver or "
        "StatelessAccessTokenResolver"
    ),
    "ConfirmationKeyVerifierAccessTokenResolver": (
        "certificate-bound tokens (RFC 8705) are not checked; use StatelessAccessTokenResolver or "
        "TokenIntrospectionAccessTokenResolver"
    ),
    "ScriptableResourceAccess": "Groovy scripts are not run by this gateway; write the scopes as expressions",
    "AmService": (
        "there is no ForgeRock AM integration; point TokenIntrospectionAccessTokenResolver at AM's "
        "introspection endpoint, or an Issuer at AM's wellKnownEndpoint"
    ),
    "ClientCredentialsOAuth2ClientFilter": (
        "client-credential tokens are not fetched for upstreams; give TokenIntrospectionAccessTokenResolver "
        "clientId and clientSecret"
    ),
    "TokenTransformationFilter": (
        "it needs OpenAM's REST STS; use OAuth2ResourceServerFilter to validate the token "
        "and pass claims on with HeaderFilter"
    ),
}
