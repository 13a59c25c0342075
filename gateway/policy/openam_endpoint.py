"""The built-in PDP as OpenAM's REST policy evaluation, so that OpenIG-style PEPs can use it.

`POST /json[/realm]/authenticate` with `X-OpenAM-Username` / `X-OpenAM-Password` logs a service
account in and answers `{"tokenId": ...}`; `POST /json[/realm]/policies?_action=evaluate` with
that token in the `iPlanetDirectoryPro` header evaluates every action of each resource URL
(OpenAM's `actions` map), with `attributes`, `advices` and `ttl` (expiry, epoch milliseconds)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from gateway.durations import to_seconds
from gateway.oauth.authzen import Evaluation
from gateway.sessions.keys import derive_key, session_key

if TYPE_CHECKING:
    from gateway.policy.pdp_config import OpenAmEndpoint, ServedPdp

# OpenAM names the advice that asks for a stronger login after its AuthLevelCondition.
AUTH_LEVEL_ADVICE = "AuthLevelConditionAdvice"
OPENAM: web.AppKey[OpenAmService] = web.AppKey("openam")


def _denied(message: str) -> web.Response:
    return web.json_response({"code": 401, "reason": "Unauthorized", "message": message}, status=401)


class OpenAmService:
    """Service-account logins and evaluations.

    A login token is `user.expiry.nonce.mac`, an HMAC under a key derived from the gateway's master
    key: every worker (and every instance sharing the session secret) accepts it, with no state."""

    def __init__(self, pdp: ServedPdp, config: OpenAmEndpoint) -> None:
        self.pdp, self.config = pdp, config
        self.ttl = to_seconds(config.tokenTtl)
        settings = pdp.services.settings
        self._key = derive_key(session_key(settings.sessions.secret, settings.state), "pdp openam tokens")
        self.logins = 0

    async def authenticate(self, request: web.Request) -> web.Response:
        """Log a service account in."""
        user = request.headers.get("X-OpenAM-Username", "")
        given = request.headers.get("X-OpenAM-Password", "").encode()
        expected = self.config.users.get(user)
        if expected is None or not hmac.compare_digest(given, expected.encode()):
            return _denied("Authentication Failed")
        self.logins += 1
        realm = request.match_info.get("realm") or "/"
        return web.json_response({"tokenId": self._issue(user), "successUrl": "/", "realm": realm})

    def _issue(self, user: str) -> str:
        payload = f"{_b64(user.encode())}.{int(time.time() + self.ttl)}.{secrets.token_urlsafe(8)}"
        return f"{payload}.{self._mac(payload)}"

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def valid(self, token: str) -> bool:
        """Whether a login token is authentic, unexpired and of an account that still exists."""
        payload, _, mac = token.rpartition(".")
        if not payload or not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            return False
        user, expiry, _ = payload.split(".", 2)
        try:
            name = base64.urlsafe_b64decode(user + "=" * (-len(user) % 4)).decode()
        except ValueError:
            return False
        return expiry.isdigit() and int(expiry) > time.time() and name in self.config.users

    async def evaluate(self, request: web.Request) -> web.Response:
        """Evaluate every action of each resource for the subject."""
        if not self.valid(request.headers.get(self.config.cookieName, "")):
            return _denied("Access Denied")
        if request.query.get("_action") != "evaluate":
            return web.json_response({"code": 400, "reason": "Bad Request", "message": "_action=evaluate"}, status=400)
        try:
            doc = json.loads(await request.read())
            resources, application = doc["resources"], doc.get("application")
            subject = _subject(doc.get("subject") or {})
            environment = doc.get("environment") or {}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return web.json_response({"code": 400, "reason": "Bad Request", "message": str(exc)}, status=400)
        out = [await self._one(str(url), application, subject, environment) for url in resources]
        return web.json_response(out)

    async def _one(self, url: str, application: Any, subject: dict[str, Any], env: dict[str, Any]) -> dict[str, Any]:
        engine = self.pdp.engine
        found = engine.resource_type_of(url, application)
        answer: dict[str, Any] = {"resource": url, "actions": {}, "attributes": {}, "advices": {}}
        if found is None:
            return answer
        name, actions = found
        context = {"application": application, **{k: v[0] if isinstance(v, list) and v else v for k, v in env.items()}}
        ttl = engine.ttl
        for action in sorted(actions):
            question = Evaluation(subject, {"name": action}, {"type": name, "id": url}, context)
            decision = await engine.evaluate(question)
            answer["actions"][action] = decision.allowed
            target = answer["attributes"] if decision.allowed else answer["advices"]
            for key, values in (decision.attributes if decision.allowed else decision.advices).items():
                target[AUTH_LEVEL_ADVICE if key == "acr_values" else key] = list(values)
        answer["ttl"] = int((time.time() + ttl) * 1000)
        return answer


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _subject(doc: dict[str, Any]) -> dict[str, Any]:
    """An AuthZEN subject from OpenAM's: `claims` (sub is the id), else a `jwt`, else an `ssoToken`."""
    claims = doc.get("claims")
    properties: dict[str, Any] = dict(claims) if isinstance(claims, dict) else {}
    if isinstance(doc.get("jwt"), str):
        properties["jwt"] = doc["jwt"]
    if isinstance(properties.get("sub"), str):
        return {"type": "identity", "id": properties["sub"], "properties": properties}
    if "jwt" in properties:
        return {"type": "jwt", "id": properties["jwt"], "properties": properties}
    if isinstance(doc.get("ssoToken"), str):
        return {"type": "ssoToken", "id": doc["ssoToken"], "properties": properties}
    return {"type": "anonymous", "id": "anonymous", "properties": properties}


def add_openam_routes(app: web.Application, pdp: ServedPdp, config: OpenAmEndpoint) -> None:
    """Serve the OpenAM-compatible endpoints on the PDP's app (root realm and sub-realms)."""
    endpoint = OpenAmService(pdp, config)
    app[OPENAM] = pdp.openam = endpoint
    app.router.add_post("/json/authenticate", endpoint.authenticate)
    app.router.add_post("/json{realm:/.+}/authenticate", endpoint.authenticate)
    app.router.add_post("/json/policies", endpoint.evaluate)
    app.router.add_post("/json{realm:/.+}/policies", endpoint.evaluate)
