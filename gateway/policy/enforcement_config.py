"""Config parts of PolicyEnforcementFilter: the cache, extra requirements, OpenIG's OpenAM fields."""

from __future__ import annotations

from pydantic import Field

from gateway.validation import ConfigModel


class CacheConfig(ConfigModel):
    """The filter's decision cache (per process)."""

    enabled: bool = Field(True, description="Cache decisions.")
    ttl: str | float = Field("60 s", description="Longest time a permit is reused (a PDP's ttl may shorten it).")
    denyTtl: str | float = Field("5 s", description="Longest time a deny is reused.")
    size: int = Field(10_000, ge=0, description="Decisions kept at most; the least recently used go first.")


class Requirement(ConfigModel):
    """An extra question that must be permitted too, e.g. `read` on the parent resource."""

    action: str = Field(description="action.name.")
    resourceType: str = Field("route", description="resource.type.")
    resourceId: str = Field(description="resource.id (an expression).")


class OpenIgFields(ConfigModel):
    """OpenIG's PolicyEnforcementFilter properties: with `openamUrl`, the filter builds an OpenAmPdp itself."""

    openamUrl: str | None = Field(None, description="OpenAM's base URL, e.g. https://am.example.com/openam/.")
    pepUsername: str | None = Field(None, description="The policy agent's service account.")
    pepPassword: str | None = Field(None, description="Its password (an expression such as ${env['PEP_PASSWORD']}).")
    realm: str = Field("/", description="The OpenAM realm of the policies.")
    application: str | None = Field(None, description="The OpenAM application (policy set).")
    ssoTokenSubject: str | None = Field(None, description="Expression: the subject's OpenAM session token.")
    jwtSubject: str | None = Field(None, description="Expression: a JWT (e.g. an id_token) naming the subject.")
    claimsSubject: dict[str, str] | None = Field(None, description="Claim name → expression, sent as subject claims.")
    environment: dict[str, str] | None = Field(None, description="Environment name → expression, sent to OpenAM.")
    cacheMaxExpiration: str | float | None = Field(None, description="OpenIG's bound on cached decisions.")
