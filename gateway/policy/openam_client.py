"""OpenAmPdp: OpenAM's REST policy evaluation (`POST {openamUrl}/json{realm}/policies?_action=evaluate`).

The client logs in as a service account (`/json{realm}/authenticate` with `X-OpenAM-Username` /
`X-OpenAM-Password`), keeps the token and logs in again when OpenAM answers 401. It sends the
absolute resource URL, the application, the subject (`ssoToken`, `jwt` or `claims`) and the
environment; `actions[METHOD]` decides; `AuthLevelConditionAdvice` and
`AuthenticateToServiceConditionAdvice` become `acr_values` (a step-up); `attributes` are kept."""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import TYPE_CHECKING, Any, Self

import aiohttp
from pydantic import Field

from gateway.oauth.authzen import Evaluation
from gateway.policy.decision import DENY_SKIPPED, Decision, PdpError
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.services import Services

API_VERSION = {"Accept-API-Version": "protocol=1.0,resource=2.0"}
STEP_UP_ADVICES = ("AuthLevelConditionAdvice", "AuthenticateToServiceConditionAdvice")


class OpenAmPdp:
    """OpenAM (or the built-in PDP's OpenAM endpoint) as a PDP."""

    # The PEP sends the absolute request URL as the resource, as OpenAM's URL policies expect.
    wants_url = True

    class Config(ConfigModel):
        openamUrl: str = Field(description="OpenAM's base URL (the part before /json).")
        username: str = Field(description="The policy agent's service account.")
        password: str | None = Field(None, description="Its password (in gateway.yaml, from ${ENV}).")
        passwordEnv: str | None = Field(None, description="Name of an environment variable holding the password.")
        realm: str = Field("/", description="The realm of the policies.")
        application: str | None = Field(None, description="The application (policy set); OpenAM's default if none.")
        timeout: str | float = Field("2 s", description="Longest wait for one OpenAM answer.")
        cookieName: str = Field("iPlanetDirectoryPro", description="The header carrying the service token.")

    def __init__(self, name: str, config: Config, password: str, services: Services, timeout: float) -> None:
        self.name = name
        self.config = config
        self.services = services
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        realm = config.realm.strip("/")
        self.base = config.openamUrl.rstrip("/") + "/json" + (f"/{realm}" if realm else "")
        self._password = password
        self._token: str | None = None
        self._lock = asyncio.Lock()
        self.logins = 0

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self | None:
        """Check the URL and find the password."""
        password = config.password
        if config.passwordEnv is not None:
            password = os.environ.get(config.passwordEnv)
        if password is None:
            ctx.error("password", "give the service account's password (password or passwordEnv)")
            return None
        timeout = ctx.duration(config.timeout, "timeout")
        return cls(ctx.object_name or config.openamUrl, config, password, ctx.services, timeout)

    @classmethod
    def from_openig(cls, fields: Any, ctx: BuildContext) -> Self | None:
        """The client an OpenIG PolicyEnforcementFilter's `openamUrl`, `pepUsername`, `pepPassword` describe."""
        if fields.pepUsername is None or fields.pepPassword is None:
            ctx.error("pepUsername", "openamUrl needs pepUsername and pepPassword")
            return None
        # OpenIG writes the password as an expression, typically ${env['PEP_PASSWORD']}: read once, here.
        password_value = ctx.expression(fields.pepPassword, "pepPassword")({"env": os.environ})
        config = cls.Config(
            openamUrl=fields.openamUrl, username=fields.pepUsername, password=str(password_value or ""),
            realm=fields.realm, application=fields.application,
        )  # fmt: skip
        return cls(ctx.object_name or "openam", config, config.password or "", ctx.services, 2.0)

    async def evaluate(self, question: Evaluation, request_id: str) -> Decision:
        """Ask OpenAM about one resource URL and read `actions[METHOD]`."""
        body = self._body(question)
        answer = await self._evaluate(body, request_id)
        return _decision(answer, question.action["name"])

    async def evaluate_all(self, questions: list[Evaluation], request_id: str) -> list[Decision]:
        """One call per question, up to the first deny."""
        out: list[Decision] = []
        for question in questions:
            out.append(await self.evaluate(question, request_id) if not out or out[-1].allowed else DENY_SKIPPED)
        return out

    def _body(self, question: Evaluation) -> dict[str, Any]:
        props = question.subject.get("properties", {})
        subject: dict[str, Any] = {}
        if isinstance(props.get("ssoToken"), str):
            subject["ssoToken"] = props["ssoToken"]
        if isinstance(props.get("jwt"), str):
            subject["jwt"] = props["jwt"]
        claims = props.get("claims")
        if not isinstance(claims, dict):
            # The subject as claims: its id as `sub`, and the claims the route chose to send.
            claims = {k: v for k, v in props.items() if k not in ("ssoToken", "jwt") and v is not None}
            claims = {"sub": question.subject["id"], **claims} if not subject else claims
        if claims:
            subject["claims"] = claims
        environment = question.context.get("environment", {})
        body: dict[str, Any] = {"resources": [question.resource["id"]], "subject": subject, "environment": environment}
        if self.config.application is not None:
            body["application"] = self.config.application
        return body

    async def _evaluate(self, body: dict[str, Any], request_id: str) -> Any:
        for attempt in (1, 2):
            token = await self._login(renew=attempt == 2)
            status, answer = await self._call(
                f"{self.base}/policies?_action=evaluate", body, {self.config.cookieName: token}, request_id
            )
            if status == 401 and attempt == 1:
                continue  # the token expired or was revoked: log in again, once
            if status != 200:
                raise PdpError(f"{self.name}: policy evaluation answered {status}")
            return answer
        raise PdpError(f"{self.name}: the service account's token was refused twice")

    async def _login(self, renew: bool) -> str:
        stale = self._token
        async with self._lock:
            if self._token is not None and not (renew and self._token == stale):
                return self._token
            headers = {"X-OpenAM-Username": self.config.username, "X-OpenAM-Password": self._password}
            status, answer = await self._call(f"{self.base}/authenticate", {}, headers, "")
            token = answer.get("tokenId") if isinstance(answer, dict) else None
            if status != 200 or not isinstance(token, str):
                raise PdpError(f"{self.name}: service account login answered {status}")
            self._token, self.logins = token, self.logins + 1
            return token

    async def _call(self, url: str, body: Any, headers: dict[str, str], request_id: str) -> tuple[int, Any]:
        http = self.services.http
        if http is None:
            raise PdpError("the HTTP client is not running")
        sent = {"Content-Type": "application/json", **API_VERSION, **headers}
        if request_id:
            sent["X-Request-ID"] = request_id
        try:
            async with http.post(url, data=json.dumps(body), headers=sent, timeout=self.timeout) as response:
                text = await response.read()
                return response.status, json.loads(text) if response.status == 200 else None
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise PdpError(f"{self.name}: {url}: {error!r}") from error


def _decision(answer: Any, method: str) -> Decision:
    """The decision on `method` from OpenAM's answer (a list with one entry per resource)."""
    if not isinstance(answer, list) or not answer or not isinstance(answer[0], dict):
        raise PdpError("OpenAM's answer is not a list of decisions")
    entry = answer[0]
    actions = entry.get("actions")
    allowed = isinstance(actions, dict) and actions.get(method) is True
    advices = _values(entry.get("advices"))
    acr = tuple(v for name in STEP_UP_ADVICES for v in advices.get(name, ()))
    if acr and not allowed:
        advices = {**advices, "acr_values": acr}
    ttl = entry.get("ttl")
    seconds = max(0.0, ttl / 1000 - time.time()) if isinstance(ttl, int | float) else None
    reason = "permitted by OpenAM" if allowed else f"OpenAM does not allow {method}"
    attributes = _values(entry.get("attributes"))
    return Decision(allowed, reason, advices=advices if not allowed else {}, attributes=attributes, ttl=seconds)


def _values(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        return {}
    return {str(k): tuple(str(x) for x in (v if isinstance(v, list) else [v])) for k, v in value.items()}
