"""`${...}` in a setting that is not text is evaluated once, when the route loads, from env and system;
one that needs the request, gives null or gives a value of the wrong type is a load error at its path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest import MonkeyPatch

from gateway.lint import check_paths

AT = "$.handler.config.filters[0].config.rate"


def _throttled(number: Any, duration: Any = "1 s") -> dict[str, Any]:
    throttle = {
        "type": "ThrottlingFilter",
        "config": {"requestGroupingPolicy": "x", "rate": {"numberOfRequests": number, "duration": duration}},
    }
    chain = {"type": "Chain", "config": {"filters": [throttle], "handler": "ClientHandler"}}
    return {"baseURI": "http://app:8080", "handler": chain}


def _errors(tmp_path: Path, route: dict[str, Any]) -> list[tuple[str, str]]:
    (tmp_path / "10-r.json").write_text(json.dumps(route), encoding="utf-8")
    return [(e.path, e.message) for e in check_paths([tmp_path], None)]


def test_numbers_durations_and_booleans_from_the_environment_load(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setenv("RATE", "5")
    route = _throttled("${integer(env['RATE']) * 2}", "${env['RATE']} seconds")
    route["monitor"] = "${system['os.name'] != ''}"
    assert _errors(tmp_path, route) == []


MISTAKES = [
    ("${request.headers['X-Rate'][0]}", "depends on the request"),
    ("${env['NO_SUCH_VARIABLE_HERE']}", "evaluates to null"),
    ("${env['WORD']}", "valid integer"),
    ("${integer(}", "invalid expression"),
]


@pytest.mark.parametrize(("number", "phrase"), MISTAKES, ids=[m[1] for m in MISTAKES])
def test_a_bad_number_expression_is_one_error_at_its_path(
    number: str, phrase: str, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    monkeypatch.setenv("WORD", "many")
    errors = _errors(tmp_path, _throttled(number))
    assert len(errors) == 1, errors
    assert errors[0][0] == f"{AT}.numberOfRequests" and phrase in errors[0][1], errors


def test_a_route_level_boolean_needing_the_request_is_refused(tmp_path: Path) -> None:
    route = {**_throttled(1), "monitor": "${request.method == 'GET'}"}
    assert [path for path, _ in _errors(tmp_path, route)] == ["$.monitor"]


def test_text_settings_keep_their_expressions_for_each_request(tmp_path: Path) -> None:
    route = _throttled(1)
    route["handler"]["config"]["filters"][0]["config"]["requestGroupingPolicy"] = "${request.headers['X'][0]}"
    assert _errors(tmp_path, route) == []


def test_a_base_uri_reading_the_environment_is_checked_at_load(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setenv("APP_HOST", "app?debug=1")
    errors = _errors(tmp_path, {"baseURI": "http://${env['APP_HOST']}:8081", "handler": "ClientHandler"})
    assert [path for path, _ in errors] == ["$.baseURI"]


def test_a_client_handler_with_nowhere_to_send_is_a_load_error(tmp_path: Path) -> None:
    chain = {"type": "Chain", "config": {"filters": [], "handler": "ClientHandler"}}
    errors = _errors(tmp_path, {"handler": chain})
    assert [path for path, _ in errors] == ["$.handler.config.handler"]
    assert "nowhere to send" in errors[0][1]


TARGETS = [
    {"type": "StaticRequestFilter", "config": {"method": "GET", "uri": "http://app:8080/x"}},
    {"type": "StaticRequestFilter", "config": {"method": "GET", "uri": "${request.headers['X-To'][0]}"}},
]


@pytest.mark.parametrize("target", TARGETS, ids=["absolute uri", "uri expression"])
def test_a_filter_that_names_the_upstream_is_enough(target: dict[str, Any], tmp_path: Path) -> None:
    chain = {"type": "Chain", "config": {"filters": [target], "handler": "ClientHandler"}}
    assert _errors(tmp_path, {"handler": chain}) == []


def test_the_default_base_uri_of_gateway_yaml_is_enough(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("routing:\n  baseURI: http://app:8080/base\n", encoding="utf-8")
    routes = tmp_path / "routes"
    routes.mkdir()
    (routes / "10-r.json").write_text(json.dumps({"handler": "ClientHandler"}), encoding="utf-8")
    assert check_paths([routes], config) == []
