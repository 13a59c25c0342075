"""The policy file of the built-in PDP, typed: OpenAM's model (resource types, policy sets,
policies with subjects, conditions, attributes and advices), made plain."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gateway.validation import ConfigModel


class Match(ConfigModel):
    """One test of a claim's value; every test given must hold."""

    equals: Any = Field(None, description="The claim equals this value.")
    contains: Any = Field(None, description="The claim (a list or a string) contains this value.")
    oneOf: list[Any] | None = Field(None, description="The claim is one of these values.")
    present: bool | None = Field(None, description="The claim is (true) or is not (false) present.")


class JwtSubject(ConfigModel):
    """A presented JWT that must verify against a trusted issuer, and whose claims must match."""

    issuer: str = Field(description="Name of a trusted issuer in `issuers`.")
    claims: dict[str, Match] = Field(default_factory=dict, description="Claim name → test, over the JWT's claims.")


class SubjectRule(ConfigModel):
    """Who a policy is for; every member given must hold (an empty rule matches any subject)."""

    authenticated: bool | None = Field(None, description="true: any subject but an anonymous one.")
    anonymous: bool | None = Field(None, description="true: only anonymous subjects.")
    type: str | None = Field(None, description="The subject's type must be this (e.g. identity, user).")
    ids: list[str] | None = Field(None, description="The subject's id (sub) is one of these.")
    claims: dict[str, Match] = Field(
        default_factory=dict, description="Claim name → test, over the subject's properties and directory entry."
    )
    jwt: JwtSubject | None = Field(None, description="An offline assertion: a JWT verified against an issuer.")


class TimeWindow(ConfigModel):
    """Time of day (and days of the week) in a time zone; `from` after `to` wraps past midnight."""

    start: str = Field(alias="from", pattern=r"^\d\d:\d\d$", description="HH:MM, inclusive.")
    end: str = Field(alias="to", pattern=r"^\d\d:\d\d$", description="HH:MM, exclusive.")
    timezone: str = Field("UTC", description="An IANA time zone name.")
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] | None = None


class DateWindow(ConfigModel):
    """A date range in a time zone, both ends inclusive."""

    start: str | None = Field(None, alias="from", description="YYYY-MM-DD.")
    end: str | None = Field(None, alias="to", description="YYYY-MM-DD.")
    timezone: str = "UTC"


class Condition(ConfigModel):
    """An environment condition; every member given must hold."""

    time: TimeWindow | None = None
    date: DateWindow | None = None
    clientIp: list[str] | None = Field(None, description="CIDRs; the context's client address must be in one.")
    expression: str | None = Field(
        None, description="An expression over subject, action, resource and context that must be true."
    )
    acr: list[str] | None = Field(
        None, description="The subject's `acr` must be one of these; otherwise the advice `acr_values` is returned."
    )


class Policy(ConfigModel):
    """Which actions on which resources, for whom, under what conditions."""

    name: str
    description: str = ""
    resources: list[str] = Field(description="Resource patterns: `*` one segment, `**` the rest, `{name}` captured.")
    actions: dict[str, Literal["allow", "deny"]] = Field(description="Action name → allow or deny.")
    subjects: list[SubjectRule] = Field(description="The policy applies when any of these rules matches.")
    conditions: list[Condition] = Field(default_factory=list, description="All must hold.")
    attributes: dict[str, list[str]] = Field(default_factory=dict, description="Returned with a permit.")
    advices: dict[str, list[str]] = Field(
        default_factory=dict, description="Returned with a deny when this policy applied but a condition failed."
    )
    reasonUser: str | None = Field(
        None, description="Shown to the user when this policy denies, or applies but does not permit."
    )


class PolicySet(ConfigModel):
    """An application: the resource types it governs and its policies."""

    name: str
    resourceTypes: list[str]
    policies: list[Policy] = Field(default_factory=list)


class ResourceType(ConfigModel):
    """The resource patterns of a kind of resource and the actions it has."""

    patterns: list[str] = Field(default_factory=lambda: ["**"])
    actions: list[str]


class TrustedIssuer(ConfigModel):
    """A third party whose JWTs a policy may accept offline."""

    issuer: str = Field(description="The exact `iss` its tokens carry.")
    jwksUri: str = Field(description="Where its signing keys are published.")
    algorithms: list[str] = Field(default_factory=lambda: ["RS256"], description="Asymmetric algorithms only.")
    audience: str | None = Field(None, description="If given, the JWT's `aud` must contain it.")


class PolicyFile(ConfigModel):
    """The whole policy file."""

    resourceTypes: dict[str, ResourceType]
    policySets: list[PolicySet]
    directory: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Subject id → attributes the PDP knows (roles, email...)."
    )
    issuers: dict[str, TrustedIssuer] = Field(default_factory=dict)
    ttl: float = Field(60.0, ge=0, description="Seconds a PEP may cache a decision (OpenAM `ttl`).")
