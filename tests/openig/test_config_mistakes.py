"""Mistakes in the OpenIG filter types are load errors naming the file, the JSON path and what is wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.lint import check_paths


def _chain(*filters: dict[str, Any]) -> dict[str, Any]:
    return {"handler": {"type": "Chain", "config": {"filters": list(filters), "handler": "ClientHandler"}}}


AT = "$.handler.config.filters[0].config"
MISTAKES = [
    (
        _chain({"type": "AssignmentFilter", "config": {"onRequest": [{"target": "${session.user}", "value": "x"}]}}),
        f"{AT}.onRequest[0].target",
        "not a place the gateway can write",
    ),
    (
        _chain({"type": "AssignmentFilter", "config": {"onRequest": [{"target": "attributes.x", "value": "x"}]}}),
        f"{AT}.onRequest[0].target",
        "${attributes.NAME}",
    ),
    (
        _chain(
            {
                "type": "EntityExtractFilter",
                "config": {
                    "messageType": "RESPONSE",
                    "target": "${attributes.x}",
                    "bindings": [{"key": "k", "pattern": "(open"}],
                },
            }
        ),
        f"{AT}.bindings[0].pattern",
        "invalid regular expression",
    ),
    (
        _chain(
            {
                "type": "FileAttributesFilter",
                "config": {"file": "/no/such/file.csv", "key": "k", "value": "v", "target": "${attributes.r}"},
            }
        ),
        f"{AT}.file",
        "cannot read",
    ),
    (
        _chain({"type": "PasswordReplayFilter", "config": {"request": {"method": "POST", "uri": "http://app/login"}}}),
        f"{AT}.loginPage",
        "give 'loginPage' or 'loginPageContentMarker'",
    ),
    (
        _chain({"type": "PasswordReplayFilter", "config": {"loginPage": "${true}", "request": {"uri": "http://a/"}}}),
        f"{AT}.request.method",
        "required",
    ),
    (
        _chain(
            {
                "type": "StaticRequestFilter",
                "config": {"method": "POST", "uri": "http://app/x", "form": {"a": "1"}, "entity": "b"},
            }
        ),
        f"{AT}.entity",
        "either 'form' or 'entity'",
    ),
    (
        _chain({"type": "CookieFilter", "config": {"defaultAction": "KEEP"}}),
        f"{AT}.defaultAction",
        "MANAGE",
    ),
    (
        _chain(
            {
                "type": "SwitchFilter",
                "config": {"onResponse": [{"condition": "${respons.status.code == 500}", "handler": "ClientHandler"}]},
            }
        ),
        f"{AT}.onResponse[0].condition",
        "respons",
    ),
]


@pytest.mark.parametrize(
    ("route", "path", "phrase"), MISTAKES, ids=[m[1].rsplit(".", 2)[-2] + m[2][:12] for m in MISTAKES]
)
def test_the_mistake_is_reported_where_it_is(route: dict[str, Any], path: str, phrase: str, tmp_path: Path) -> None:
    (tmp_path / "10-m.json").write_text(json.dumps(route), encoding="utf-8")
    errors = check_paths([tmp_path], None)
    assert any(e.path == path and phrase in e.message for e in errors), [str(e) for e in errors]
