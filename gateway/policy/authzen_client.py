"""AuthZenPdp: a remote PDP asked over the AuthZEN 1.0 Authorization API.

The metadata (§9) is fetched by inserting `/.well-known/authzen-configuration` between the
identifier's host and path, used only when its `policy_decision_point` equals the identifier, and
kept as long as `Cache-Control: max-age` allows; without metadata the endpoints are
`<url>/access/v1/evaluation(s)`. Every failure (timeout, refused, 4xx/5xx, non-JSON, a `decision`
that is not a JSON boolean, metadata for another PDP) is a PdpError: the PEP refuses, never forwards."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import aiohttp
from pydantic import Field

from gateway.durations import to_seconds
from gateway.oauth import authzen
from gateway.policy.decision import DENY_SKIPPED, Decision, PdpError
from gateway.policy.pdp_auth import ClientCredentialsToken
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.services import Services

log = logging.getLogger("gateway.policy")
MAX_BODY = 1 << 20
_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)")


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where to send evaluations; `batch` is None when the PDP has no evaluations endpoint."""

    single: str
    batch: str | None
    expires: float


class AuthZenPdp:
    """A PDP spoken to over AuthZEN; shares the gateway's kept-alive HTTP client."""

    class Config(ConfigModel):
        url: str = Field(description="The PDP identifier (its base URL), e.g. https://pdp.example.com.")
        timeout: str | float = Field("2 s", description="Longest wait for one PDP answer.")
        token: str | None = Field(None, description="Bearer token sent to the PDP (in gateway.yaml, from ${ENV}).")
        tokenEnv: str | None = Field(None, description="Name of an environment variable holding the bearer token.")
        provider: str | None = Field(
            None,
            description="An OidcProvider of the global heap: the PEP gets its own access token there "
            "(client credentials) and presents it to the PDP.",
        )
        scope: str | None = Field(None, description="Scope of that access token.")
        resource: str | None = Field(None, description="RFC 8707 resource (audience) of that access token.")
        metadata: bool = Field(True, description="Discover the endpoints from the PDP's metadata (AuthZEN §9).")
        metadataTtl: str | float = Field("5 minutes", description="How long metadata is kept without Cache-Control.")

    def __init__(self, name: str, config: Config, services: Services, timeout: float, headers: dict[str, str]) -> None:
        self.name = name
        self.url = config.url
        self.config = config
        self.services = services
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
        self.metadata_ttl = to_seconds(config.metadataTtl)
        self._endpoints: Endpoints | None = None
        self.client_token: ClientCredentialsToken | None = None

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self | None:
        """Check the URL and the timeout; resolve the token once."""
        if not config.url.startswith(("http://", "https://")):
            ctx.error("url", f"{config.url!r} is not an http(s) URL")
        timeout = ctx.duration(config.timeout, "timeout")
        token = config.token
        if config.tokenEnv is not None:
            token = os.environ.get(config.tokenEnv)
            if token is None:
                ctx.error("tokenEnv", f"environment variable {config.tokenEnv} is not set")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        pdp = cls(ctx.object_name or config.url, config, ctx.services, timeout, headers)
        if config.provider is not None:
            provider = ctx.resolve(config.provider, "provider", object)
            if provider is not None and not (hasattr(provider, "metadata") and hasattr(provider, "credentials")):
                ctx.error("provider", f"'{config.provider}' is not an OidcProvider")
                return None
            if token:
                ctx.error("provider", "give either a static token or a provider, not both")
            pdp.client_token = ClientCredentialsToken(provider, config.scope, config.resource)
        return pdp

    async def evaluate(self, question: authzen.Evaluation, request_id: str) -> Decision:
        """One evaluation (§6)."""
        endpoints = await self.endpoints()
        doc = await self._post(endpoints.single, question.as_json(), request_id)
        try:
            return decision_of(*authzen.parse_decision(doc))
        except authzen.AuthZenError as error:
            raise PdpError(f"{self.name}: {error}") from error

    async def evaluate_all(self, questions: list[authzen.Evaluation], request_id: str) -> list[Decision]:
        """One batch with deny_on_first_deny when the PDP has one (§7); else single calls up to the first deny."""
        endpoints = await self.endpoints()
        if endpoints.batch is None or len(questions) == 1:
            out: list[Decision] = []
            for question in questions:
                out.append(await self.evaluate(question, request_id) if not out or out[-1].allowed else DENY_SKIPPED)
            return out
        body = authzen.batch_json(questions, authzen.DENY_ON_FIRST_DENY)
        doc = await self._post(endpoints.batch, body, request_id)
        try:
            answers = [decision_of(*item) for item in authzen.parse_decisions(doc)]
        except authzen.AuthZenError as error:
            raise PdpError(f"{self.name}: {error}") from error
        if len(answers) > len(questions):
            raise PdpError(f"{self.name}: {len(answers)} decisions for {len(questions)} questions")
        # A shorter answer stopped at a deny: the items it left out count as denied (§7.1.2).
        return answers + [DENY_SKIPPED] * (len(questions) - len(answers))

    async def endpoints(self) -> Endpoints:
        """The evaluation endpoints, from fresh metadata or the conventional paths."""
        now = time.monotonic()
        if self._endpoints is not None and now < self._endpoints.expires:
            return self._endpoints
        base = self.url.rstrip("/")
        found = Endpoints(base + authzen.EVALUATION_PATH, base + authzen.EVALUATIONS_PATH, now + self.metadata_ttl)
        if self.config.metadata:
            found = await self._discover(now) or found
        self._endpoints = found
        return found

    async def _discover(self, now: float) -> Endpoints | None:
        url = authzen.metadata_url(self.url)
        try:
            async with self._http().get(url, timeout=self.timeout, allow_redirects=False) as response:
                if response.status == 404:
                    return None
                doc = await _json(response)
                max_age = _MAX_AGE.search(response.headers.get("Cache-Control", ""))
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise PdpError(f"{self.name}: metadata at {url}: {error!r}") from error
        if not isinstance(doc, dict) or doc.get("policy_decision_point") != self.url:
            raise PdpError(f"{self.name}: metadata at {url} is for {_pdp_of(doc)!r}, not {self.url!r}")
        single, batch = doc.get("access_evaluation_endpoint"), doc.get("access_evaluations_endpoint")
        if not isinstance(single, str):
            raise PdpError(f"{self.name}: metadata at {url} has no access_evaluation_endpoint")
        ttl = float(max_age.group(1)) if max_age else self.metadata_ttl
        return Endpoints(single, batch if isinstance(batch, str) else None, now + ttl)

    async def _post(self, url: str, body: dict[str, Any], request_id: str) -> Any:
        headers = {**self.headers, "X-Request-ID": request_id} if request_id else self.headers
        if self.client_token is None:
            return await self._send(url, body, headers)
        try:
            return await self._send(url, body, headers | await self.client_token.header(self._http()))
        except _Refused:
            self.client_token.drop()  # revoked or expired early: one new token, one more try
        try:
            return await self._send(url, body, headers | await self.client_token.header(self._http()))
        except _Refused:
            raise PdpError(f"{self.name}: {url} refused the PEP's access token") from None

    async def _send(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        try:
            async with self._http().post(
                url, data=json.dumps(body), headers=headers, timeout=self.timeout, allow_redirects=False
            ) as response:
                if response.status == 401 and self.client_token is not None:
                    raise _Refused
                if response.status != 200:
                    raise PdpError(f"{self.name}: {url} answered {response.status}")
                echo = response.headers.get("X-Request-ID")
                if echo:
                    log.debug("pdp %s answered request %s", self.name, echo)
                return await _json(response)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise PdpError(f"{self.name}: {url}: {error!r}") from error

    def _http(self) -> aiohttp.ClientSession:
        if self.services.http is None:
            raise PdpError("the HTTP client is not running")
        return self.services.http


class _Refused(Exception):
    """The PDP answered 401 to the PEP's own access token."""


async def _json(response: aiohttp.ClientResponse) -> Any:
    body = await response.content.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise ValueError("body too large")
    return json.loads(body)


def _pdp_of(doc: Any) -> Any:
    return doc.get("policy_decision_point") if isinstance(doc, dict) else None


def _text(value: Any) -> str:
    """A reason: a string, or a map of language → text (AuthZEN's examples), first entry."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return next((str(v) for v in value.values()), "")
    return ""


def _values(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        return {}
    return {str(k): tuple(str(x) for x in (v if isinstance(v, list) else [v])) for k, v in value.items()}


def decision_of(allowed: bool, context: dict[str, Any]) -> Decision:
    """A Decision from an AuthZEN decision and its context (reasons, `acr_values`, advices, attributes)."""
    advices = _values(context.get("advices"))
    acr = context.get("acr_values")
    if isinstance(acr, str) and acr:
        advices = {**advices, "acr_values": tuple(acr.split())}
    ttl = context.get("ttl")
    return Decision(
        allowed, _text(context.get("reason_admin")), _text(context.get("reason_user")), advices,
        _values(context.get("attributes")), float(ttl) if isinstance(ttl, int | float) else None,
    )  # fmt: skip
