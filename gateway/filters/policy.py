"""PolicyEnforcementFilter: asks a PDP whether the caller may do this, and enforces the answer.

The question follows the AuthZEN API-gateway interop mapping: subject `{type: identity, id:
${identity.sub}}` (anonymous callers are `{type: anonymous}`), action `{name: METHOD}`, resource
`{type: route, id: <the matching template>}` with the captured parameters as its properties.
Fail closed: only an explicit permit forwards; a deny is 403 (or a step-up when the PDP asks for
a stronger login); no usable answer is 503 (or 403, as configured)."""

from __future__ import annotations

import weakref
from time import perf_counter
from typing import TYPE_CHECKING, Any, Literal, Self

from aiohttp import web
from pydantic import Field

from gateway.auth.identity_headers import register_header, safe_value
from gateway.errors import Forbidden, GatewayError, Unauthorized
from gateway.heap.fields import Ref
from gateway.keys import EXCHANGE
from gateway.oauth.authzen import Evaluation
from gateway.ops.errorpage import error_response, prefers_html
from gateway.policy.audit import audit_log, decision_view
from gateway.policy.cache import DecisionCache
from gateway.policy.decision import Decision, Pdp, PdpError
from gateway.policy.enforcement_config import CacheConfig, OpenIgFields, Requirement
from gateway.policy.patterns import Pattern, compile_pattern
from gateway.policy.resolve import StepUpLogin, resolve_login, resolve_pdp
from gateway.sessions.model import SessionEnded

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.heap.context import BuildContext
    from gateway.scope import Scope


DEFAULT_SUBJECT_ID = "${identity.sub}"
DEFAULT_ACTION = "${request.method}"


class AccessDenied(Forbidden, code="access_denied", public="You are not allowed to do this."):
    """The PDP denied the request (or no resource template matched)."""


class StepUpRequired(Unauthorized, code="insufficient_user_authentication", public="A stronger login is required."):
    """The PDP asks for a stronger login (RFC 9470)."""


class PolicyEnforcementFilter:
    """Asks a PDP before every upstream call; only an explicit permit forwards."""

    class Config(OpenIgFields):
        pdp: Ref | None = Field(None, description="The PDP: a PolicyDecisionPoint, AuthZenPdp or OpenAmPdp.")
        resources: list[str] = Field(
            default_factory=list,
            description="Route templates such as /todos/{todoId}; the matching template is the resource id "
            "(its parameters the properties). A path that matches none is denied. Empty: the path is the id.",
        )
        resourceType: str = Field("route", description="resource.type of the question.")
        subjectType: str = Field("identity", description="subject.type for an authenticated caller.")
        subjectId: str = Field(DEFAULT_SUBJECT_ID, description="subject.id (an expression).")
        claims: list[str] = Field(default_factory=list, description="Identity claims sent as subject.properties.")
        action: str = Field(DEFAULT_ACTION, description="action.name (an expression).")
        context: dict[str, str] = Field(
            default_factory=dict,
            description='context members (expressions), e.g. {"clientAddress": "${contexts.client.remoteAddress}"}; '
            "empty by default, as in the AuthZEN API-gateway interop. Every member is part of the cache key.",
        )
        requirements: list[Requirement] = Field(
            default_factory=list, description="Extra questions that must all be permitted too."
        )
        onError: Literal[403, 503] = Field(503, description="The status when the PDP gives no usable answer.")
        cache: CacheConfig = Field(default_factory=CacheConfig, description="The decision cache.")
        headers: dict[str, str] = Field(
            default_factory=dict,
            description="Headers to the upstream on a permit (expressions such as ${policy.attributes.role[0]}); "
            "these names are removed from every client request.",
        )
        login: Ref | None = Field(
            None, description="The route's OidcLoginFilter: browsers are sent back through it for a step-up."
        )

    def __init__(self, pdp: Pdp, config: Config, ctx: BuildContext) -> None:
        self.pdp = pdp
        self.templates: tuple[Pattern, ...] = tuple(compile_pattern(t) for t in config.resources)
        self.resource_type = config.resourceType
        self.subject_type = config.subjectType
        self.subject_id = ctx.expression(config.subjectId, "subjectId")
        # The default subject id is the identity's subject: read it directly, no expression scope needed.
        self.subject_is_sub = config.subjectId == DEFAULT_SUBJECT_ID
        self.claims = tuple(config.claims)
        self.action = ctx.expression(config.action, "action")
        self.action_is_method = config.action == DEFAULT_ACTION
        self.context = [(k, ctx.expression(v, f"context.{k}")) for k, v in config.context.items()]
        self.requirements = [
            (r.action, r.resourceType, ctx.expression(r.resourceId, f"requirements[{i}].resourceId"))
            for i, r in enumerate(config.requirements)
        ]
        self.on_error = config.onError
        ttl, deny_ttl = ctx.duration(config.cache.ttl, "cache.ttl"), ctx.duration(config.cache.denyTtl, "cache.denyTtl")
        self.cache = DecisionCache(config.cache.size, ttl, deny_ttl) if config.cache.enabled else None
        self.metrics = ctx.services.metrics
        self.audit_log = audit_log(ctx.services)
        self._counters: dict[tuple[str, str, str], Any] = {}
        self.login: StepUpLogin | None = None
        # OpenAM speaks of absolute URLs and of subjects as a session token, a JWT or claims.
        self.url_resource = bool(getattr(pdp, "wants_url", False)) and not self.templates
        self.openig = _openig_expressions(config, ctx)
        self.headers = [
            (name, ctx.expression(value, f"headers.{name}"))
            for name, value in config.headers.items()
            if register_header(name, f"headers.{name}", ctx)
        ]

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self | None:
        """Resolve the PDP, compile the templates and expressions once."""
        pdp = resolve_pdp(config.pdp, config, ctx)
        for index, template in enumerate(config.resources):
            try:
                compile_pattern(template)
            except ValueError as exc:
                ctx.error(f"resources[{index}]", str(exc))
                return None
        if pdp is None:
            return None
        enforcer = cls(pdp, config, ctx)
        enforcer.login = resolve_login(config.login, ctx)
        if enforcer.cache is not None:
            _follow_session_ends(enforcer.cache, ctx)
            # An in-process PDP empties the cache when its policies change, so that a change applies at once.
            caches = getattr(pdp, "caches", None)
            if caches is not None:
                caches.add(enforcer.cache)
        return enforcer

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Ask, then forward only on an explicit permit."""
        exchange = request[EXCHANGE]
        route = exchange.route.name if exchange.route is not None else "-"
        questions = self._questions(request, exchange.scope)
        if questions is None:
            return self._unmatched(request, route)
        try:
            decision, source, latency = await self._decide(questions, exchange.request_id)
        except PdpError as error:
            self._audit(route, exchange.request_id, questions[0], "error", "error", None, error.reason)
            error.status = self.on_error
            return self._answer(request, error)
        exchange.decision = decision_view(decision, source)
        exchange.scope.refresh("policy")
        outcome = "permit" if decision.allowed else "deny"
        self._audit(route, exchange.request_id, questions[0], outcome, source, latency, decision.reason_admin)
        if decision.allowed:
            if self.headers:
                self._add_headers(request)
            return await next(request)
        return await self._refuse(request, decision)

    def _answer(self, request: web.BaseRequest, error: GatewayError) -> web.StreamResponse:
        """A refusal, counted by its reason code as every refusal of the gateway is."""
        if self.metrics is not None:
            self.metrics.denials.labels(error.code).inc()
        return error_response(request, error, request[EXCHANGE].request_id)

    def _add_headers(self, request: web.BaseRequest) -> None:
        exchange = request[EXCHANGE]
        headers = exchange.edit_headers(request.headers)
        for name, expression in self.headers:
            value = expression.as_str(exchange.scope)
            if value and safe_value(value):
                headers[name] = value

    def _audit(
        self, route: str, request_id: str, question: Evaluation, outcome: str, source: str, latency: float | None,
        reason: str,
    ) -> None:  # fmt: skip
        if self.metrics is not None:
            counter = self._counters.get((route, outcome, source))
            if counter is None:
                counter = self._counters[route, outcome, source] = self.metrics.authz_decisions.labels(
                    route, outcome, source
                )
            counter.inc()
        self.audit_log.record(route, request_id, question, outcome, source, latency, reason)

    def _unmatched(self, request: web.BaseRequest, route: str) -> web.StreamResponse:
        exchange = request[EXCHANGE]
        reason = "no resource template matches the path"
        resource = {"type": self.resource_type, "id": request.path}
        question = Evaluation(self._subject(exchange.scope), {"name": request.method}, resource)
        self._audit(route, exchange.request_id, question, "deny", "pep", None, reason)
        return self._answer(request, AccessDenied(reason))

    def _subject(self, scope: Scope) -> dict[str, Any]:
        identity = scope.exchange.identity
        subject: dict[str, Any] = {"type": "anonymous", "id": "anonymous"}
        properties: dict[str, Any] = {}
        if identity is not None:
            sub = identity.subject if self.subject_is_sub else self.subject_id.as_str(scope)
            subject = {"type": self.subject_type, "id": sub}
            if self.claims:
                properties = {name: identity.claims[name] for name in self.claims if name in identity.claims}
        if self.openig:
            properties |= {name: value(scope) for name, value in self.openig.get("subject", {}).items()}
            if "claims" in self.openig:
                properties["claims"] = {name: value(scope) for name, value in self.openig["claims"].items()}
        return subject | {"properties": properties} if properties else subject

    def _questions(self, request: web.BaseRequest, scope: Scope) -> list[Evaluation] | None:
        rid = str(request.url) if self.url_resource else request.path
        resource: dict[str, Any] = {"type": self.resource_type, "id": rid}
        if self.templates:
            for template in self.templates:
                params = template.match(request.path)
                if params is not None:
                    resource = {"type": self.resource_type, "id": template.source}
                    if params:
                        resource["properties"] = params
                    break
            else:
                return None
        subject = self._subject(scope)
        context = {name: value(scope) for name, value in self.context}
        if "environment" in self.openig:
            context["environment"] = {name: [value.as_str(scope)] for name, value in self.openig["environment"].items()}
        action = request.method if self.action_is_method else self.action.as_str(scope)
        out = [Evaluation(subject, {"name": action}, resource, context)]
        for action, rtype, required in self.requirements:
            out.append(Evaluation(subject, {"name": action}, {"type": rtype, "id": required.as_str(scope)}, context))
        return out

    async def _decide(self, questions: list[Evaluation], request_id: str) -> tuple[Decision, str, float | None]:
        timing: list[float] = []

        async def ask() -> Decision:
            started = perf_counter()
            try:
                if len(questions) == 1:
                    return await self.pdp.evaluate(questions[0], request_id)
                answers = await self.pdp.evaluate_all(questions, request_id)
                return next((d for d in answers if not d.allowed), answers[0])
            finally:
                timing.append(perf_counter() - started)
                if self.metrics is not None:
                    self.metrics.pdp_latency.labels(self.pdp.name).observe(timing[0])

        if self.cache is None:
            return await ask(), "pdp", timing[0]
        key = questions[0].key() if len(questions) == 1 else tuple(q.key() for q in questions)
        decision, source = await self.cache.fetch(key, str(questions[0].subject["id"]), ask)
        return decision, source, timing[0] if timing else None

    async def _refuse(self, request: web.BaseRequest, decision: Decision) -> web.StreamResponse:
        acr = decision.advices.get("acr_values")
        if acr:
            if self.login is not None and prefers_html(request.headers.get("Accept", "")):
                stepped: web.StreamResponse = await self.login.step_up(request, " ".join(acr))
                return stepped
            error = StepUpRequired(decision.reason_admin or "the PDP asks for a stronger login")
            error.headers["WWW-Authenticate"] = (
                f'Bearer error="insufficient_user_authentication", '
                f'error_description="A different authentication level is required", acr_values="{" ".join(acr)}"'
            )
            return self._answer(request, error)
        denied = AccessDenied(decision.reason_admin or "denied", public=decision.reason_user or None)
        return self._answer(request, denied)


def _openig_expressions(config: PolicyEnforcementFilter.Config, ctx: BuildContext) -> dict[str, dict[str, Any]]:
    """OpenIG's subject and environment expressions, compiled once: {subject, claims, environment}."""
    out: dict[str, dict[str, Any]] = {}
    subject = {"ssoToken": config.ssoTokenSubject, "jwt": config.jwtSubject}
    compiled = {k: ctx.expression(v, f"{k}Subject") for k, v in subject.items() if v is not None}
    if compiled:
        out["subject"] = compiled
    for key, given in (("claims", config.claimsSubject), ("environment", config.environment)):
        if given is not None:
            out[key] = {k: ctx.expression(v, f"{key}.{k}") for k, v in given.items()}
    return out


def _follow_session_ends(cache: DecisionCache, ctx: BuildContext) -> None:
    """Drop a subject's decisions when one of its sessions ends; stop following once the filter is gone."""
    ref = weakref.ref(cache)

    def on_event(event: object) -> None:
        alive = ref()
        if alive is None:
            unsubscribe()
        elif isinstance(event, SessionEnded):
            alive.drop_subject(event.subject)

    unsubscribe = ctx.services.events.subscribe(on_event)
