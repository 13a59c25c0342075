"""Subject rules and conditions of the built-in PDP, compiled once when the policy file loads.

Each compiled check takes the evaluation's environment (`subject`, `action`, `resource`, `context`)
and answers (holds, advices): a failed check may say what would make it hold (`acr_values`, a JWT
that did not verify)."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from gateway.expressions import compile_expression
from gateway.policy.model import Condition, DateWindow, Match, SubjectRule, TimeWindow
from gateway.policy.offline import OfflineIssuer, verify_or_reason

Env = Mapping[str, Any]
Advices = dict[str, list[str]]
Check = Callable[[Env], Awaitable[tuple[bool, Advices]]]
ROOTS = frozenset({"subject", "action", "resource", "context"})
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MISSING = object()


def match_value(test: Match, value: Any) -> bool:
    """Whether a claim's value passes every test given."""
    if test.present is not None and (value is not _MISSING) != test.present:
        return False
    if value is _MISSING:
        return test.present is False or all(t is None for t in (test.equals, test.contains, test.oneOf))
    if test.equals is not None and value != test.equals:
        return False
    if test.contains is not None and not (isinstance(value, list | str) and test.contains in value):
        return False
    return test.oneOf is None or value in test.oneOf


def claims_hold(tests: Mapping[str, Match], claims: Mapping[str, Any]) -> bool:
    """Every claim test holds."""
    return all(match_value(test, claims.get(name, _MISSING)) for name, test in tests.items())


def compile_subject(rule: SubjectRule, issuers: Mapping[str, OfflineIssuer]) -> Check:
    """A subject rule as a check; a `jwt` rule needs its issuer, resolved here."""
    issuer = issuers[rule.jwt.issuer] if rule.jwt is not None else None
    ids = frozenset(rule.ids) if rule.ids is not None else None

    async def check(env: Env) -> tuple[bool, Advices]:
        subject = env["subject"]
        anonymous = subject["type"] == "anonymous"
        if (rule.authenticated and anonymous) or (rule.anonymous and not anonymous):
            return False, {}
        if rule.type is not None and subject["type"] != rule.type:
            return False, {}
        if (ids is not None and subject["id"] not in ids) or not claims_hold(rule.claims, subject["properties"]):
            return False, {}
        if rule.jwt is None or issuer is None:
            return True, {}
        claims, why = await verify_or_reason(issuer, presented_jwt(subject))
        if claims is None:
            return False, {"jwt": [f"{rule.jwt.issuer}: {why}"]}
        return claims_hold(rule.jwt.claims, claims), {}

    return check


def presented_jwt(subject: Mapping[str, Any]) -> Any:
    """The JWT a subject presents: `properties.jwt`, or the id of a subject of type `jwt`."""
    token = subject["properties"].get("jwt")
    return subject["id"] if token is None and subject["type"] == "jwt" else token


def compile_condition(condition: Condition, clock: Callable[[], float]) -> Check:
    """A condition as a check; raises ValueError (time zone, CIDR, expression) at load time."""
    parts: list[Callable[[Env], bool]] = []
    if condition.time is not None:
        parts.append(_time_window(condition.time, clock))
    if condition.date is not None:
        parts.append(_date_window(condition.date, clock))
    if condition.clientIp is not None:
        parts.append(_client_ip(condition.clientIp))
    if condition.expression is not None:
        expression = compile_expression(condition.expression, roots=ROOTS)
        parts.append(expression.as_bool)
    acr = frozenset(condition.acr) if condition.acr is not None else None

    async def check(env: Env) -> tuple[bool, Advices]:
        if not all(part(env) for part in parts):
            return False, {}
        if acr is not None and env["subject"]["properties"].get("acr") not in acr:
            return False, {"acr_values": sorted(acr)}
        return True, {}

    return check


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def _time_window(window: TimeWindow, clock: Callable[[], float]) -> Callable[[Env], bool]:
    zone, start, end = _zone(window.timezone), time.fromisoformat(window.start), time.fromisoformat(window.end)
    days = frozenset(_DAYS.index(d) for d in window.days) if window.days else None

    def holds(env: Env) -> bool:
        now = datetime.fromtimestamp(clock(), zone)
        if days is not None and now.weekday() not in days:
            return False
        moment = now.time().replace(tzinfo=None)
        return start <= moment < end if start <= end else (moment >= start or moment < end)

    return holds


def _date_window(window: DateWindow, clock: Callable[[], float]) -> Callable[[Env], bool]:
    zone = _zone(window.timezone)
    start = date.fromisoformat(window.start) if window.start else date.min
    end = date.fromisoformat(window.end) if window.end else date.max
    return lambda env: start <= datetime.fromtimestamp(clock(), zone).date() <= end


def _client_ip(cidrs: list[str]) -> Callable[[Env], bool]:
    networks = tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)

    def holds(env: Env) -> bool:
        address = env["context"].get("clientAddress")
        try:
            ip = ipaddress.ip_address(address) if isinstance(address, str) else None
        except ValueError:
            return False
        return ip is not None and any(ip in network for network in networks)

    return holds
