"""The built-in PDP's evaluation: the policy file compiled once, then deny-overrides per question.

A question is governed by the policy sets whose resource types include `resource.type` (and, when
the context names an `application`, only that set). The action must be one the resource type has
and the resource id must fit one of its patterns. Every policy naming the action and a pattern
matching the id is applicable; one that holds with `deny` decides at once; otherwise one that
holds with `allow` permits; otherwise the answer is deny, with the advices of failed policies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.oauth.authzen import Evaluation
from gateway.policy.decision import Decision
from gateway.policy.patterns import Pattern
from gateway.policy.rules import Advices, Check, Env


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """One policy, ready to evaluate."""

    name: str
    resources: tuple[Pattern, ...]
    actions: Mapping[str, bool]
    subjects: tuple[Check, ...]
    conditions: tuple[Check, ...]
    attributes: Mapping[str, tuple[str, ...]]
    advices: Mapping[str, tuple[str, ...]]
    reason_user: str

    def params(self, resource_id: str) -> dict[str, Any] | None:
        """Parameters captured by the first matching pattern, or None when none matches."""
        for pattern in self.resources:
            found = pattern.match(resource_id)
            if found is not None:
                return found
        return None

    async def holds(self, env: Env) -> tuple[bool, Advices]:
        """Whether a subject rule and every condition hold; if not, what the failures advise."""
        advices: Advices = {}
        for subject in self.subjects:
            ok, advice = await subject(env)
            if ok:
                break
            _merge(advices, advice)
        else:
            return False, advices
        for condition in self.conditions:
            ok, advice = await condition(env)
            if not ok:
                _merge(advices, advice)
                return False, advices | {k: list(v) for k, v in self.advices.items()}
        return True, {}


@dataclass(frozen=True, slots=True)
class CompiledSet:
    """A policy set (an application)."""

    name: str
    resource_types: frozenset[str]
    policies: tuple[CompiledPolicy, ...]


@dataclass(frozen=True, slots=True)
class CompiledType:
    """A resource type's patterns and actions."""

    patterns: tuple[Pattern, ...]
    actions: frozenset[str]


class Engine:
    """Immutable compiled policies; a reload builds a new Engine and swaps it in whole."""

    def __init__(
        self,
        types: Mapping[str, CompiledType],
        sets: tuple[CompiledSet, ...],
        directory: Mapping[str, Mapping[str, Any]],
        ttl: float,
    ) -> None:
        self.types, self.sets, self.directory, self.ttl = types, sets, directory, ttl

    async def evaluate(self, question: Evaluation) -> Decision:
        """The decision on one question; never raises for any well-formed question."""
        rtype, rid = question.resource["type"], question.resource["id"]
        action = question.action["name"]
        kind = self.types.get(rtype)
        if kind is None:
            return self._deny(f"no resource type {rtype!r}")
        if action not in kind.actions:
            return self._deny(f"resource type {rtype!r} has no action {action!r}")
        if not any(p.match(rid) is not None for p in kind.patterns):
            return self._deny(f"{rid!r} fits no pattern of resource type {rtype!r}")
        application = question.context.get("application")
        sets = [s for s in self.sets if rtype in s.resource_types and application in (None, s.name)]
        return await self._decide(sets, question, self._subject(question))

    async def _decide(self, sets: list[CompiledSet], question: Evaluation, subject: dict[str, Any]) -> Decision:
        rid, action = question.resource["id"], question.action["name"]
        permits: list[CompiledPolicy] = []
        advices: Advices = {}
        reason_user = ""
        for policy in (p for s in sets for p in s.policies if action in p.actions):
            params = policy.params(rid)
            if params is None:
                continue
            env = _env(subject, question, params)
            ok, advice = await policy.holds(env)
            if not ok:
                _merge(advices, advice)
                reason_user = reason_user or policy.reason_user
            elif not policy.actions[action]:
                return self._deny(f"denied by policy {policy.name!r}", policy.reason_user)
            else:
                permits.append(policy)
        if not permits:
            return self._deny(f"no policy permits {action} on {rid}", reason_user, advices)
        attributes: Advices = {}
        for policy in permits:
            _merge(attributes, {k: list(v) for k, v in policy.attributes.items()})
        reason = f"permitted by policy {permits[0].name!r}"
        return Decision(True, reason, attributes=_frozen(attributes), ttl=self.ttl)

    def resource_type_of(self, resource_id: str, application: Any) -> tuple[str, frozenset[str]] | None:
        """The name and actions of the first resource type of `application` whose patterns fit."""
        for set_ in self.sets:
            if application not in (None, set_.name):
                continue
            for name in sorted(set_.resource_types):
                kind = self.types.get(name)
                if kind is not None and any(p.match(resource_id) is not None for p in kind.patterns):
                    return name, kind.actions
        return None

    def _subject(self, question: Evaluation) -> dict[str, Any]:
        subject = question.subject
        known = self.directory.get(subject["id"], {})
        properties = {**subject.get("properties", {}), **known}
        return {"type": subject["type"], "id": subject["id"], "properties": properties}

    def _deny(self, reason: str, user: str = "", advices: Advices | None = None) -> Decision:
        return Decision(False, reason, user, advices=_frozen(advices or {}), ttl=self.ttl)


def _env(subject: dict[str, Any], question: Evaluation, params: dict[str, Any]) -> Env:
    resource = {**question.resource, "params": params, "properties": question.resource.get("properties", {})}
    return {"subject": subject, "action": question.action, "resource": resource, "context": question.context}


def _merge(into: Advices, more: Mapping[str, list[str]]) -> None:
    for key, values in more.items():
        bucket = into.setdefault(key, [])
        bucket.extend(v for v in values if v not in bucket)


def _frozen(values: Advices) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in values.items()}


Clock = Callable[[], float]
