"""The `sessions:` and `auth:` sections of gateway.yaml."""

from __future__ import annotations

import math
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from gateway.durations import Duration
from gateway.validation import ConfigModel

_PATH = r"^/[^?#]*$"


def _positive_finite(value: float) -> float:
    if not 0 < value < math.inf:
        raise ValueError("must be a positive, finite duration")
    return value


class SessionSettings(ConfigModel):
    """Session cookies, lifetimes and the cookie encryption key."""

    cookieName: str = Field(
        "gw_session",
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Browser session cookie; split as NAME.0, NAME.1, ... when large.",
    )
    secret: str | None = Field(
        None,
        min_length=32,
        description='Key material for the cookie key (write "${SESSION_SECRET}"); at least 32 characters. '
        "Without it a random key is kept in <state>/session.key, shared by the workers of one machine.",
    )
    idleTimeout: Duration = Field(1800.0, description='A session unused this long ends (e.g. "30 minutes").')
    maxLifetime: Duration = Field(28800.0, description='A session ends this long after login (e.g. "8 hours").')
    secure: Literal["auto"] | bool = Field(
        "auto", description="Secure cookie flag: auto = when the request came over https (or a trusted proxy's)."
    )
    sameSite: Literal["Lax", "Strict", "None"] = Field("Lax", description="SameSite attribute of session cookies.")
    sweepInterval: Duration = Field(
        30.0,
        description="How often each worker looks for sessions that reached their idle timeout or maximum "
        "lifetime without being presented again, to end them and report it (SessionEnded) once.",
    )

    _finite = field_validator("idleTimeout", "maxLifetime", "sweepInterval")(_positive_finite)

    @model_validator(mode="after")
    def _none_needs_secure(self) -> Self:
        if self.sameSite == "None" and self.secure is False:
            raise ValueError("sameSite None needs secure cookies (browsers refuse it otherwise)")
        return self


class DeviceAuthorizeRate(ConfigModel):
    """At most `numberOfRequests` per `duration` from one client address, in bursts up to `numberOfRequests`."""

    numberOfRequests: int = Field(10, gt=0, description="Device authorizations per duration (also the burst size).")
    duration: Duration = Field(60.0, description='The window, e.g. "1 minute".')

    _finite = field_validator("duration")(_positive_finite)


class AuthSettings(ConfigModel):
    """Paths of the login endpoints on the main listener, and the device authorization rate."""

    callbackPath: str = Field("/oauth2/callback", pattern=_PATH, description="OpenID Connect redirect URI path.")
    logoutPath: str = Field("/oauth2/logout", pattern=_PATH, description="Logout (POST; GET shows a confirmation).")
    backchannelLogoutPath: str = Field(
        "/oauth2/backchannel-logout", pattern=_PATH, description="Back-channel logout receiver."
    )
    loginPath: str = Field("/oauth2/login", pattern=_PATH, description="Login page listing the providers.")
    devicePath: str = Field("/oauth2/device", pattern=_PATH, description="Device flow: PATH/authorize and PATH/token.")
    clearSiteData: list[Literal["cache", "cookies", "storage"]] = Field(
        ["cache", "cookies"],
        description="Clear-Site-Data the browser gets when a logout it asked for is over and it is back here. "
        '"cookies" clears every host of the registrable domain (and, for an IP address, every port): '
        "leave it out when other apps share the domain. [] sends nothing.",
    )
    deviceAuthorizeRate: DeviceAuthorizeRate | None = Field(
        default_factory=DeviceAuthorizeRate,
        description="Device authorizations one client address may start (POST PATH/authorize): each one calls "
        "the provider and stores a pending login. Counted in the shared store, so the limit holds across "
        "workers and, with Redis, across instances; IPv6 clients are counted per /64. The excess gets 429 "
        "slow_down with Retry-After. null: no limit (when something in front already limits).",
    )
