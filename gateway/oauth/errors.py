"""Errors of the OAuth 2.0 (RFC 6749) and OpenID Connect Core 1.0 client code, with stable codes.

Token failures are `InvalidToken` (RFC 6750 `invalid_token`); each subclass names the precise
reason in `code`, which the log and the metric label carry. Failures of the provider itself
(unreachable, malformed answers) are `ProviderError`.
"""

from __future__ import annotations

from gateway.errors import Unauthorized


class OAuthError(Unauthorized, code="oauth_error", public="Authentication failed."):
    """A failure in an OAuth 2.0 or OpenID Connect exchange."""


class InvalidToken(OAuthError, code="invalid_token", public="The token is invalid."):
    """A token is malformed, or fails a check; RFC 6750 calls all of these `invalid_token`."""


class BadIssuer(InvalidToken, code="bad_issuer"):
    """`iss` is not the provider's issuer, compared exactly."""


class BadAudience(InvalidToken, code="bad_audience"):
    """`aud` lacks the expected audience or carries an untrusted one."""


class BadAuthorizedParty(InvalidToken, code="bad_azp"):
    """`azp` is missing with several audiences, or is not this client."""


class BadSignature(InvalidToken, code="bad_signature"):
    """The signature does not verify with the provider's key."""


class AlgNotAllowed(InvalidToken, code="alg_not_allowed"):
    """The `alg` header is not in the allowlist (`none` and HMAC never are)."""


class UntrustedKeyHeader(InvalidToken, code="untrusted_key_header"):
    """The token names its own key (`jwk`, `jku`, `x5u`, `x5c`); only the provider's keys count."""


class UnknownKid(InvalidToken, code="unknown_kid"):
    """No provider key matches the token's `kid`, even after the allowed JWKS refetch."""


class BadTokenType(InvalidToken, code="bad_token_type"):
    """The `typ` header names another kind of token (an id_token used as an access token...)."""


class Expired(InvalidToken, code="expired"):
    """`exp` has passed."""


class NotYetValid(InvalidToken, code="not_yet_valid"):
    """`nbf` or `iat` lies in the future beyond the allowed clock skew."""


class MissingClaim(InvalidToken, code="missing_claim"):
    """A required claim (`sub`, `iat`, `exp`...) is absent or has the wrong type."""


class BadNonce(InvalidToken, code="bad_nonce"):
    """`nonce` differs from the one sent in the authentication request."""


class SubjectMismatch(InvalidToken, code="sub_mismatch"):
    """The userinfo `sub` differs from the id_token `sub` (OpenID Connect Core 5.3.2)."""


class InactiveToken(InvalidToken, code="inactive_token"):
    """Introspection did not answer `"active": true` (RFC 7662 2.2)."""


class TokenRefused(OAuthError, code="token_refused"):
    """The provider's token endpoint answered an OAuth error (`error` holds its code)."""

    def __init__(self, reason: str = "", *, error: str = "", public: str | None = None) -> None:
        super().__init__(reason or error, public=public)
        self.error = error


class ProviderError(OAuthError, status=502, code="provider_error", public="The identity provider is unavailable."):
    """The provider is unreachable or answered something that is not valid protocol."""


class ProviderUnavailable(ProviderError, status=503, code="provider_unavailable"):
    """The provider could not be reached (refused, reset, timed out): a passing outage, not a bad answer."""

    public = "The identity provider cannot be reached right now. Nothing was changed; try again in a moment."


class BadIssuerUrl(ProviderError, status=500, code="insecure_issuer", public="The identity provider is misconfigured."):
    """An issuer or endpoint URL is not https (plain http is allowed for loopback hosts only)."""


class DiscoveryFailed(ProviderError, code="discovery_failed"):
    """The discovery document is missing, malformed, or names another issuer."""


class IssuerMismatch(DiscoveryFailed, status=500, code="issuer_mismatch"):
    """The discovery document's `issuer` is not the configured issuer, compared exactly: a configuration
    error (a trailing slash, http for https, another tenant), not an outage, so it is not retried soon."""

    public = "The identity provider is misconfigured; the administrator has been told."
