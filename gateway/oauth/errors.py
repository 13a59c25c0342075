"""Errors of the OAuth 2.0 (RFC 6749) and OpenID Connect Core 1.0 client code, with stable codes.

Token failures are `InvalidToken` (RFC 6750 `invalid_token`); each subclass names the precise
reason in `code`, which the log and the metric label carry. Failures of the provider itself
(unreachable, malformed answers) are `ProviderError`.
"""

from __future__ import annotations

from gateway.errors import GatewayError


class OAuthError(GatewayError):
    """A failure in an OAuth 2.0 or OpenID Connect exchange."""

    status = 401
    code = "oauth_error"
    public = "Authentication failed."


class InvalidToken(OAuthError):
    """A token is malformed, or fails a check; RFC 6750 calls all of these `invalid_token`."""

    code = "invalid_token"
    public = "The token is invalid."


class BadIssuer(InvalidToken):
    """`iss` is not the provider's issuer, compared exactly."""

    code = "bad_issuer"


class BadAudience(InvalidToken):
    """`aud` lacks the expected audience or carries an untrusted one."""

    code = "bad_audience"


class BadAuthorizedParty(InvalidToken):
    """`azp` is missing with several audiences, or is not this client."""

    code = "bad_azp"


class BadSignature(InvalidToken):
    """The signature does not verify with the provider's key."""

    code = "bad_signature"


class AlgNotAllowed(InvalidToken):
    """The `alg` header is not in the allowlist (`none` and HMAC never are)."""

    code = "alg_not_allowed"


class UntrustedKeyHeader(InvalidToken):
    """The token names its own key (`jwk`, `jku`, `x5u`, `x5c`); only the provider's keys count."""

    code = "untrusted_key_header"


class UnknownKid(InvalidToken):
    """No provider key matches the token's `kid`, even after the allowed JWKS refetch."""

    code = "unknown_kid"


class BadTokenType(InvalidToken):
    """The `typ` header names another kind of token (an id_token used as an access token...)."""

    code = "bad_token_type"


class Expired(InvalidToken):
    """`exp` has passed."""

    code = "expired"


class NotYetValid(InvalidToken):
    """`nbf` or `iat` lies in the future beyond the allowed clock skew."""

    code = "not_yet_valid"


class MissingClaim(InvalidToken):
    """A required claim (`sub`, `iat`, `exp`...) is absent or has the wrong type."""

    code = "missing_claim"


class BadNonce(InvalidToken):
    """`nonce` differs from the one sent in the authentication request."""

    code = "bad_nonce"


class SubjectMismatch(InvalidToken):
    """The userinfo `sub` differs from the id_token `sub` (OpenID Connect Core 5.3.2)."""

    code = "sub_mismatch"


class InactiveToken(InvalidToken):
    """Introspection did not answer `"active": true` (RFC 7662 2.2)."""

    code = "inactive_token"


class TokenRefused(OAuthError):
    """The provider's token endpoint answered an OAuth error (`error` holds its code)."""

    code = "token_refused"

    def __init__(self, reason: str = "", *, error: str = "", public: str | None = None) -> None:
        super().__init__(reason or error, public=public)
        self.error = error


class ProviderError(OAuthError):
    """The provider is unreachable or answered something that is not valid protocol."""

    status = 502
    code = "provider_error"
    public = "The identity provider is unavailable."


class ProviderUnavailable(ProviderError):
    """The provider could not be reached (refused, reset, timed out): a passing outage, not a bad answer."""

    status = 503
    code = "provider_unavailable"
    public = "The identity provider cannot be reached right now. Nothing was changed; try again in a moment."


class BadIssuerUrl(ProviderError):
    """An issuer or endpoint URL is not https (plain http is allowed for loopback hosts only)."""

    status = 500
    code = "insecure_issuer"
    public = "The identity provider is misconfigured."


class DiscoveryFailed(ProviderError):
    """The discovery document is missing, malformed, or names another issuer."""

    code = "discovery_failed"


class IssuerMismatch(DiscoveryFailed):
    """The discovery document's `issuer` is not the configured issuer, compared exactly."""

    code = "issuer_mismatch"
