"""The built-in PDP's evaluation: deny overrides, subjects, conditions (time of day, dates, client
address, expressions, authentication level), attributes and advices."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gateway.oauth.authzen import Evaluation
from gateway.policy.compile import compile_policies
from gateway.policy.engine import Engine

# Wednesday 2026-06-10, 10:30 in Paris (08:30 UTC).
WEDNESDAY_MORNING = datetime(2026, 6, 10, 10, 30, tzinfo=ZoneInfo("Europe/Paris")).timestamp()


def _engine(policies: list[dict[str, Any]], now: float = WEDNESDAY_MORNING, **extra: Any) -> Engine:
    doc = {
        "resourceTypes": {"doc": {"patterns": ["/docs/**"], "actions": ["read", "write"]}},
        "policySets": [{"name": "docs", "resourceTypes": ["doc"], "policies": policies}],
        **extra,
    }
    return compile_policies(doc, None, lambda: None, lambda: now)


def _policy(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "resources": ["/docs/**"], "actions": {"read": "allow"}, "subjects": [{}]} | fields


def _ask(subject: str = "alice", action: str = "read", rid: str = "/docs/a", **context: Any) -> Evaluation:
    return Evaluation({"type": "user", "id": subject}, {"name": action}, {"type": "doc", "id": rid}, context)


async def test_a_matching_deny_overrides_any_number_of_permits() -> None:
    engine = _engine([_policy("open"), _policy("closed", actions={"read": "deny"}, subjects=[{"ids": ["bob"]}]),
                      _policy("open-too")])  # fmt: skip
    assert (await engine.evaluate(_ask("alice"))).allowed
    denied = await engine.evaluate(_ask("bob"))
    assert not denied.allowed and "'closed'" in denied.reason_admin


async def test_no_applicable_policy_is_a_deny() -> None:
    engine = _engine([_policy("read-only")])
    assert not (await engine.evaluate(_ask(action="write"))).allowed
    assert not (await engine.evaluate(_ask(rid="/elsewhere"))).allowed
    assert not (await engine.evaluate(_ask(action="delete"))).allowed


@pytest.mark.parametrize(
    ("window", "allowed"),
    [
        ({"from": "09:00", "to": "17:00", "timezone": "Europe/Paris"}, True),
        ({"from": "09:00", "to": "17:00", "timezone": "UTC"}, False),
        ({"from": "22:00", "to": "11:00", "timezone": "Europe/Paris"}, True),
        ({"from": "09:00", "to": "17:00", "timezone": "Europe/Paris", "days": ["sat", "sun"]}, False),
    ],
)
async def test_time_of_day_windows_hold_in_their_time_zone(window: dict[str, Any], allowed: bool) -> None:
    engine = _engine([_policy("office-hours", conditions=[{"time": window}])])
    assert (await engine.evaluate(_ask())).allowed is allowed


@pytest.mark.parametrize(("start", "end", "allowed"), [("2026-06-01", "2026-06-10", True), ("2026-06-11", None, False)])
async def test_date_windows(start: str, end: str | None, allowed: bool) -> None:
    engine = _engine([_policy("campaign", conditions=[{"date": {"from": start, "to": end}}])])
    assert (await engine.evaluate(_ask())).allowed is allowed


@pytest.mark.parametrize(("address", "allowed"), [("10.1.2.3", True), ("192.168.0.1", False), ("nope", False)])
async def test_client_address_ranges(address: str, allowed: bool) -> None:
    engine = _engine([_policy("intranet", conditions=[{"clientIp": ["10.0.0.0/8", "fd00::/8"]}])])
    assert (await engine.evaluate(_ask(clientAddress=address))).allowed is allowed


async def test_claims_come_from_the_directory_and_the_subject_properties() -> None:
    engine = _engine([_policy("editors", subjects=[{"claims": {"groups": {"contains": "editors"}}}])],
                     directory={"alice": {"groups": ["editors"]}})  # fmt: skip
    assert (await engine.evaluate(_ask("alice"))).allowed
    assert not (await engine.evaluate(_ask("bob"))).allowed
    carol = Evaluation({"type": "user", "id": "carol", "properties": {"groups": ["editors"]}}, {"name": "read"},
                       {"type": "doc", "id": "/docs/x"})  # fmt: skip
    assert (await engine.evaluate(carol)).allowed


async def test_an_expression_condition_sees_the_captured_parameters() -> None:
    engine = _engine([_policy("own-folder", resources=["/docs/{owner}/**"],
                              conditions=[{"expression": "${resource.params.owner == subject.id}"}])])  # fmt: skip
    assert (await engine.evaluate(_ask("alice", rid="/docs/alice/notes"))).allowed
    assert not (await engine.evaluate(_ask("alice", rid="/docs/bob/notes"))).allowed


async def test_a_failed_auth_level_condition_advises_acr_values() -> None:
    engine = _engine([_policy("strong", conditions=[{"acr": ["gold", "platinum"]}], advices={"hint": ["mfa"]})])
    denied = await engine.evaluate(_ask())
    assert not denied.allowed
    assert denied.advices == {"acr_values": ("gold", "platinum"), "hint": ("mfa",)}
    assert denied.context()["acr_values"] == "gold platinum"
    gold = Evaluation({"type": "user", "id": "a", "properties": {"acr": "gold"}}, {"name": "read"},
                      {"type": "doc", "id": "/docs/x"})  # fmt: skip
    assert (await engine.evaluate(gold)).allowed


async def test_a_permit_returns_the_attributes_of_every_permitting_policy() -> None:
    engine = _engine([_policy("a", attributes={"team": ["red"]}), _policy("b", attributes={"team": ["blue"]})])
    permit = await engine.evaluate(_ask())
    assert permit.attributes == {"team": ("red", "blue")}


async def test_anonymous_subjects_match_only_rules_that_allow_them() -> None:
    engine = _engine([_policy("members", subjects=[{"authenticated": True}])])
    anonymous = Evaluation({"type": "anonymous", "id": "anonymous"}, {"name": "read"}, {"type": "doc", "id": "/docs/a"})
    assert not (await engine.evaluate(anonymous)).allowed
    assert (await engine.evaluate(_ask())).allowed
