"""JwtSession: OpenIG's stateless session, the route's `session` map kept in the client's cookie.

The map is sealed as our session cookies are (JWE `dir` + A256GCM, split across cookies when large),
with an expiry inside, so that it can be neither read nor altered by the client. The key comes from
`sharedSecret` (routes that share it share the session, as in OpenIG) or, without one, from the
gateway's master key, so that every worker and restart reads the cookie back (OpenIG's random key
does not survive a restart). Keystores and secret stores are refused: they have no equivalent here.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import time
from typing import TYPE_CHECKING, Any, Literal, Self

from aiohttp import web
from pydantic import Field

from gateway.durations import Duration
from gateway.heap.scalars import load_time_value
from gateway.keys import EXCHANGE
from gateway.sessions.cookies import Cookie, CookieCodec, set_cookies
from gateway.sessions.keys import derive_key, session_key
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.heap.context import BuildContext

DEFAULT_COOKIE = "openig-jwt-session"
_EXPIRES = "_gateway_expires"
_REFUSED = ("keystore", "secretsProvider", "authenticatedEncryptionSecretId", "encryptionSecretId", "signatureSecretId")
_UNMAPPED = (
    'is not supported: the session is sealed with a key derived from "sharedSecret" (base64, e.g. '
    "\"${env['SESSION_SECRET']}\") or, without one, from the gateway's own key"
)


class CookieSettings(ConfigModel):
    """The newer `cookie` object of JwtSession."""

    name: str | None = Field(None, description="Cookie name.")
    domain: str | None = Field(None, description="Cookie domain; none makes a host-only cookie.")
    path: str = Field("/", description="Cookie path.")
    httpOnly: bool = Field(True, description="Hide the cookie from scripts.")
    secure: bool | None = Field(None, description="Send only over HTTPS; default: when the request came over HTTPS.")
    sameSite: Literal["Strict", "Lax", "None", "strict", "lax", "none"] = Field("Lax", description="SameSite.")


class JwtSession:
    """A route's `session`: reads the map from the cookie before the route, writes it back after."""

    class Config(ConfigModel):
        cookieName: str | None = Field(None, description=f"Cookie name (default {DEFAULT_COOKIE}).")
        cookieDomain: str | None = Field(None, description="Cookie domain; none makes a host-only cookie.")
        cookie: CookieSettings = Field(default_factory=CookieSettings, description="Cookie attributes.")
        sessionTimeout: Duration = Field(1800.0, description='Lifetime of the session, e.g. "30 minutes".')
        persistentCookie: bool = Field(False, description="Give the cookie an expiry (else it ends with the browser).")
        sharedSecret: str | None = Field(None, description="Base64 key material; routes sharing it share the session.")
        useSecureCookie: bool | None = Field(None, description="Send only over HTTPS (as cookie.secure).")
        useCompression: bool = Field(True, description="Accepted for compatibility; the sealed map is not compressed.")
        skewAllowance: Duration = Field(0.0, description="Accepted for compatibility.")
        keystore: Any = Field(None, description=f"Refused: keystores {_UNMAPPED}.")
        alias: str | None = Field(None, description="Only with a keystore (refused).")
        password: str | None = Field(None, description="Only with a keystore (refused).")
        secretsProvider: Any = Field(None, description=f"Refused: secret stores {_UNMAPPED}.")
        authenticatedEncryptionSecretId: str | None = Field(None, description=f"Refused: secret ids {_UNMAPPED}.")
        encryptionSecretId: str | None = Field(None, description="Refused (secret ids).")
        signatureSecretId: str | None = Field(None, description="Refused (secret ids).")

    def __init__(self, codec: CookieCodec, config: Config) -> None:
        self.codec = codec
        self.timeout = config.sessionTimeout
        self.persistent = config.persistentCookie
        self.domain = config.cookieDomain or config.cookie.domain
        self.path = config.cookie.path
        self.http_only = config.cookie.httpOnly
        self.secure = config.useSecureCookie if config.useSecureCookie is not None else config.cookie.secure

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Derive the key once; refuse what has no equivalent."""
        for setting in _REFUSED:
            if getattr(config, setting) is not None:
                ctx.error(setting, f"{setting} {_UNMAPPED}")
        name = config.cookieName or config.cookie.name or DEFAULT_COOKIE
        key = _key(config.sharedSecret, name, ctx)
        return cls(CookieCodec(key, name, config.cookie.sameSite.capitalize()), config)

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Open the map for the route's filters, then seal it into the response if it changed."""
        exchange = request[EXCHANGE]
        present = self.codec.present(request.headers)
        data = self._open(present) if present else {}
        before = json.dumps(data, sort_keys=True, default=str) if data else ""
        exchange.jwt_session = data
        if present:
            self.codec.strip(exchange.edit_headers(request.headers))  # the upstream never sees it
        response = await next(request)
        after = json.dumps(data, sort_keys=True, default=str) if data else ""
        if after != before:
            set_cookies(response, self._cookies(data, present, request.secure))
        return response

    def _open(self, present: dict[str, str]) -> dict[str, Any]:
        sealed = self.codec.read(present)
        record = self.codec.open(sealed) if sealed else None
        if not isinstance(record, dict) or not isinstance(record.get(_EXPIRES), int | float):
            return {}
        if record.pop(_EXPIRES) < time.time():
            return {}
        return record

    def _cookies(self, data: dict[str, Any], present: dict[str, str], https: bool) -> list[Cookie]:
        secure = self.secure if self.secure is not None else https
        if not data:  # an empty session is not kept, as in OpenIG
            cookies = self.codec.deletions(present, secure=secure)
        else:
            sealed = self.codec.seal({**_json(data), _EXPIRES: time.time() + self.timeout})
            max_age = int(self.timeout) if self.persistent else None
            cookies = self.codec.cookies(sealed, secure=secure, max_age=max_age or 0, present=present)
            if max_age is None:
                cookies = [(n, v, _without_max_age(a)) if v else (n, v, a) for n, v, a in cookies]
        return [(n, v, {**a, "path": self.path, "httponly": self.http_only, **self._domain()}) for n, v, a in cookies]

    def _domain(self) -> dict[str, str]:
        return {"domain": self.domain} if self.domain else {}


def _without_max_age(attributes: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attributes.items() if k != "max_age"}


def _json(data: dict[str, Any]) -> dict[str, Any]:
    """Only JSON values are kept, as OpenIG documents; others are kept as their text."""
    return json.loads(json.dumps(data, default=str))  # type: ignore[no-any-return]


def _key(shared: str | None, name: str, ctx: BuildContext) -> bytes:
    if shared is not None and "${" in shared:
        value = load_time_value(shared, ctx.where("sharedSecret"), ctx, set())
        shared = str(value) if value is not None else ""
    if shared is None:
        settings = ctx.settings
        return derive_key(_master(settings.sessions.secret, str(settings.state)), f"jwt session {name}")
    try:
        material = base64.b64decode(shared, validate=True)
    except (binascii.Error, ValueError):
        ctx.error("sharedSecret", "sharedSecret must be base64 (e.g. the output of `openssl rand -base64 32`)")
        material = b""
    return derive_key(material, "jwt session")


@functools.lru_cache(maxsize=4)
def _master(secret: str | None, state: str) -> bytes:
    # Read once per process, not once per route.
    return session_key(secret, state)
