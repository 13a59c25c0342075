"""The `signals:` section of gateway.yaml: the transmitter, its streams, and the receiver.

Names follow i2scim's `scim.signals.*` settings where they exist (see `signals/environment.py`
for the environment variables that mirror them)."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, model_validator

from gateway.durations import Duration
from gateway.validation import ConfigModel

_PATH = r"^/[^?#]*$"
SubjectFormat = Literal["complex", "iss_sub", "email"]
Status = Literal["enabled", "paused", "disabled"]
Scope = Literal["ssf.manage", "ssf.read"]


class StreamSettings(ConfigModel):
    """One outbound stream: a receiver and how it gets SETs (i2scim's stream file members)."""

    id: str = Field(..., pattern=r"^[A-Za-z0-9_.~-]{1,64}$", description="Stream id (URL-safe).")
    alias: str | None = Field(None, description="A short name for logs and metrics.")
    description: str | None = None
    endpoint: str | None = Field(None, description="Push (RFC 8935) endpoint; without it the stream is polled.")
    token: str | None = Field(None, description="Authorization header sent verbatim when pushing.")
    pollToken: str | None = Field(None, description="Bearer token the receiver presents when polling.")
    iss: str | None = Field(None, description="The `iss` of this stream's SETs (default: signals.issuer).")
    aud: str | list[str] = Field(..., description="The `aud` of this stream's SETs.")
    issJwksUrl: str | None = Field(None, description="Accepted for i2scim stream files; informational.")
    subjectFormat: SubjectFormat = Field("complex", description="sub_id format: complex, iss_sub or email.")
    audJwksUrl: str | None = Field(None, description="Encrypt SETs (JWE) to the receiver key at this JWKS URL.")
    audJwks: dict[str, Any] | None = Field(None, description="Encrypt SETs (JWE) to this inline receiver JWKS.")
    status: Status = Field("enabled", description="enabled, paused (holds SETs) or disabled (drops them).")
    owner: str | None = Field(None, description="The management client that owns it (API-made streams).")

    @property
    def delivery(self) -> str:
        """push or poll."""
        return "push" if self.endpoint else "poll"


class TrustedIssuer(ConfigModel):
    """A transmitter whose SETs the receiver accepts."""

    iss: str
    jwksUrl: str | None = Field(None, description="Where its signing keys are.")
    jwks: dict[str, Any] | None = Field(None, description="Its signing keys, inline.")

    @model_validator(mode="after")
    def _one_key_source(self) -> Self:
        if (self.jwksUrl is None) == (self.jwks is None):
            raise ValueError("give exactly one of jwksUrl or jwks")
        return self


class PollSource(ConfigModel):
    """A transmitter's poll endpoint (RFC 8936) the receiver polls."""

    endpoint: str
    auth: str | None = Field(None, description="Authorization header sent verbatim when polling.")
    maxEvents: int = Field(100, ge=1, le=1000)
    timeout: Duration = Field(30.0, description="Long-poll wait asked of the transmitter.")


class ManagementClient(ConfigModel):
    """A bearer token for the SSF stream management API and what it may do."""

    id: str
    token: str = Field(..., min_length=16)
    scopes: list[Scope] = Field(default_factory=lambda: list[Scope](["ssf.read"]))


class ReceiverSettings(ConfigModel):
    """The push and poll receiver (RFC 8935 §2, RFC 8936 §2.4)."""

    enabled: bool = Field(True, description="Accept SETs (i2scim rcv.enable).")
    path: str = Field("/ssf/events", pattern=_PATH, description="Push receiver path on the main listener.")
    audience: list[str] = Field(default_factory=list, description="Accepted `aud` values (default: issuer).")
    issuers: list[TrustedIssuer] = Field(default_factory=list)
    bearer: str | None = Field(None, description="Authorization header a pushing transmitter must send.")
    poll: list[PollSource] = Field(default_factory=list)
    pemPath: str | None = Field(None, description="PKCS#8 key that decrypts JWE SETs (i2scim rcv.pem.path).")
    pemValue: str | None = Field(None, description="The same key as a value.")


class SignalsSettings(ConfigModel):
    """Security signals: CAEP session-revoked SETs out (push, poll) and in."""

    enabled: bool = Field(False, description="Turn on security signals (i2scim scim.signals.enable).")
    publish: bool = Field(True, description="Transmit SETs (i2scim pub.enable).")
    issuer: str | None = Field(None, description="The transmitter's issuer URL (i2scim pub.iss).")
    pemPath: str | None = Field(None, description="PKCS#8 PEM signing key file (i2scim pub.pem.path).")
    pemValue: str | None = Field(None, description="PKCS#8 PEM signing key value (i2scim pub.pem.value).")
    publishedKeys: list[str] = Field(
        default_factory=list,
        description="PEM files of keys published in the JWKS beside the signing key, for a rotation.",
    )
    signingProcesses: int | None = Field(
        None, description="Deprecated and ignored: SETs are signed in the signals process (or by a poll)."
    )
    processNice: int = Field(
        10, ge=0, le=19, description="How much lower the signals process's CPU priority is (os.nice)."
    )
    algNoneOverride: bool = Field(False, description="Refused: SETs are always signed.")
    streams: list[StreamSettings] = Field(default_factory=list)
    streamFiles: list[str] = Field(default_factory=list, description="JSON stream files (i2scim pub.config.file).")
    managementUrl: str | None = Field(
        None, description="Base URL where receivers reach the admin listener's /ssf API (default: the issuer's origin)."
    )
    jwksPath: str = Field("/ssf/jwks", pattern=_PATH)
    pollPath: str = Field("/ssf/poll", pattern=_PATH, description="Poll endpoints are <pollPath>/<stream id>.")
    retryFor: Duration = Field(86400.0, description="Keep retrying a push this long before parking it as failed.")
    backoff: Duration = Field(1.0, description="First retry delay; doubles up to maxBackoff, with jitter.")
    maxBackoff: Duration = Field(300.0)
    pushTimeout: Duration = Field(10.0)
    longPoll: Duration = Field(30.0, description="Longest wait of a poll when nothing is pending.")
    clients: list[ManagementClient] = Field(default_factory=list, description="Stream management API tokens.")
    receiver: ReceiverSettings = Field(default_factory=ReceiverSettings)

    @model_validator(mode="after")
    def _signed(self) -> Self:
        if self.algNoneOverride:
            raise ValueError("algNoneOverride is refused: the gateway never sends unsigned SETs")
        return self
