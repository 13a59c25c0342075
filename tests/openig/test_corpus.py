"""Every route file of the corpus, written in OpenIG's documented shapes, loads and does what it says:
each is served alone by a real gateway in front of a real application, and one request checks its effect."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from pytest import MonkeyPatch

from gateway.routing.source import parse_json
from tests.openig.harness import APP, CORPUS, OAUTH2_FILES, Answer, Case, exercise
from tests.openig.legacy_app import PAGE
from tests.support.fixtures import Serve


def _form(answer: Answer) -> dict[str, list[str]]:
    return parse_qs(answer.seen["body"])


def _posted_login(answer: Answer) -> bool:
    """The application got the login form, POSTed with the demo credentials."""
    expected = ("POST", "/login", {"username": ["demo"], "password": ["changeit"]})
    return (answer.seen["method"], answer.seen["path"], _form(answer)) == expected


CASES: dict[str, Case] = {
    "01-static-request-post-form.json": Case(_posted_login, path="/login"),
    "02-static-request-get-form.json": Case(
        lambda a: (a.seen["method"], a.seen["path"]) == ("GET", "/search?q=gate+way&lang=en"),
        path="/anything?term=gate%20way",
    ),
    "03-static-request-headers-entity.json": Case(
        lambda a: (
            (a.seen["method"], a.seen["path"], a.seen["body"], a.header("X-Original-Method"))
            == ("PUT", "/api/users/42", '{"id": "42"}', ["GET"])
        ),
        path="/user?id=42",
    ),
    "04-assignment-attributes.json": Case(
        lambda a: (a.header("X-Department"), a.header("X-Reader")) == (["sales"], ["yes"]),
        headers={"X-Dept": "sales"},
    ),
    "05-assignment-request-header.json": Case(
        lambda a: a.header("X-Remote-User") == ["BJENSEN"],
        path="/?user=bjensen",
        headers={"X-Remote-User": "forged"},
    ),
    "06-conditional-filter.json": Case(lambda a: a.header("X-Debug") == ["on"], path="/x?debug=1"),
    "07-condition-enforcement-403.json": Case(lambda a: a.status == 403, headers={"X-Api-Key": "wrong"}),
    "08-condition-enforcement-failure-handler.json": Case(
        lambda a: (a.status, a.headers["Allow"], a.text) == (405, "GET", "Only GET here"), method="DELETE"
    ),
    "09-switch-on-request.json": Case(
        lambda a: (a.status, a.text) == (503, "Down for maintenance"), path="/admin/users"
    ),
    "10-switch-on-response.json": Case(
        lambda a: (a.status, a.text) == (502, "The application failed"), path="/status/500"
    ),
    "11-location-header-default.json": Case(
        lambda a: (
            a.status == 302
            and a.headers["Location"].endswith("/landing?from=app")
            and a.headers["Location"].startswith("http://127.0.0.1:")
            and "8081" not in a.headers["Location"]
        ),
        path="/redirect",
    ),
    "12-location-header-baseuri.json": Case(
        lambda a: a.headers["Location"] == "https://www.example.com/landing?from=app", path="/redirect"
    ),
    "13-cookie-filter-manage-default.json": Case(
        lambda a: (
            a.headers.getall("Set-Cookie") == [a.headers["Set-Cookie"]]
            and a.headers["Set-Cookie"].startswith("gateway-cookie-jar=")
            and "HttpOnly" in a.headers["Set-Cookie"]
        ),
        path="/cookies",
    ),
    "14-cookie-filter-suppress-relay.json": Case(
        lambda a: (
            a.seen["cookies"] == {"app": "a", "lang": "fr"}
            and [c.split(";")[0] for c in a.headers.getall("Set-Cookie")] == ["app=1"]
        ),
        path="/cookies",
        headers={"Cookie": "app=a; lang=fr; iPlanetDirectoryPro=AQIC; other=x"},
    ),
    "15-entity-extract-response.json": Case(
        lambda a: (a.headers["X-Csrf"], a.headers["X-User"], a.text) == ("tok-123", "Jensen, Babs", PAGE),
        path="/page",
    ),
    "16-entity-extract-request.json": Case(
        lambda a: (a.header("X-Extracted-User"), a.seen["body"]) == (["bjensen"], "user=bjensen&lang=en"),
        method="POST",
        data="user=bjensen&lang=en",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "17-file-attributes-csv.json": Case(
        lambda a: _form(a) == {"username": ["bjensen"], "password": ["hifalutin"]},
        headers={"X-Email": "bjensen@example.com"},
    ),
    "18-default-rate-throttling.json": Case(lambda a: a.status == 429 and "Retry-After" in a.headers, before=2),
    "19-monitor-endpoint.json": Case(
        lambda a: a.status == 200 and a.seen["19-monitor-endpoint"]["requests"]["total"] >= 1,
        path="/openig/monitoring",
        before=1,
    ),
    "20-password-replay-login-page.json": Case(_posted_login, path="/login"),
    "21-password-replay-extractions.json": Case(
        lambda a: _form(a) == {"username": ["demo"], "password": ["changeit"], "loginToken": ["lt-987"]},
        path="/login",
    ),
    "22-password-replay-content-marker.json": Case(
        lambda a: (a.seen["method"], _form(a)["from"]) == ("POST", ["/protected"]), path="/protected"
    ),
    "23-password-replay-credentials-file.json": Case(
        lambda a: _form(a) == {"username": ["demo"], "password": ["changeit"]},
        path="/login",
        headers={"X-Email": "demo@example.com"},
    ),
    "24-custom-named-decorator.json": Case(lambda a: a.header("X-Trace") == ["corpus-24"]),
    "25-global-decorators.json": Case(lambda a: (a.text, a.headers["X-Greeted"]) == ("hello from the gateway", "yes")),
    "26-header-filter-request.json": Case(
        lambda a: (a.header("X-Secret"), a.header("X-Gateway")) == ([], ["openig-corpus"]), headers={"X-Secret": "s"}
    ),
    "27-header-filter-response.json": Case(
        lambda a: (
            (a.headers["X-Frame-Options"], "X-App-Version" in a.headers) == ("DENY", False)
            and a.headers["Strict-Transport-Security"] == "max-age=31536000"
        )
    ),
    "28-static-response-json.json": Case(
        lambda a: (
            a.headers["Content-Type"].startswith("application/json") and a.seen == {"status": "up", "method": "GET"}
        ),
        path="/health",
    ),
    "29-static-response-gone.json": Case(
        lambda a: (a.status, a.text) == (410, "This page has moved on"), path="/old/x"
    ),
    "30-dispatch-handler-api.json": Case(lambda a: a.seen["path"] == "/api/orders?n=1", path="/api/orders?n=1"),
    "31-dispatch-handler-fallback.json": Case(lambda a: (a.status, a.text) == (403, "Not for you"), path="/private"),
    "32-throttling-fixed-rate.json": Case(lambda a: a.status == 429, headers={"X-Client": "c1"}, before=1),
    "33-throttling-mapped-policy.json": Case(lambda a: a.status == 429, headers={"X-Plan": "bronze"}, before=1),
    "34-condition-query-param.json": Case(lambda a: a.seen["path"] == "/home?app=crm", path="/home?app=crm"),
    "35-json5-comments-quotes.json": Case(
        lambda a: a.header("X-Report-Reader") == ["json5 // not a comment"], path="/reports/q3"
    ),
    "36-underscore-disabled-keys.json": Case(
        lambda a: a.header("X-Enabled") == ["yes"] and a.header("User-Agent") != []
    ),
    "37-comment-keys.json": Case(lambda a: a.header("X-Tenant") == ["intranet"]),
    "38-chain-named-heap-objects.json": Case(lambda a: a.header("X-Tag") == ["named"]),
    "39-client-handler-keep-host.json": Case(lambda a: a.header("Host") == a.header("X-Forwarded-Host")),
    "40-assignment-on-response.json": Case(lambda a: a.headers["X-Upstream-Status"] == "201", path="/status/201"),
    "41-switch-multiple-cases.json": Case(lambda a: (a.status, a.text) == (200, "beta site"), headers={"X-Beta": "on"}),
    "42-switch-no-case-passes.json": Case(lambda a: a.seen["method"] == "PUT", method="PUT"),
    "43-conditional-filter-skips.json": Case(lambda a: a.header("X-Posted") == [] and a.seen["method"] == "GET"),
    "44-conditional-static-request.json": Case(
        lambda a: (a.seen["method"], a.seen["path"]) == ("POST", "/archive/doc/7"), method="DELETE", path="/doc/7"
    ),
    "45-enforcement-allows.json": Case(
        lambda a: a.status == 200 and a.seen["method"] == "GET", headers={"X-Roles": "user,admin"}
    ),
    "46-static-request-relative-uri.json": Case(lambda a: a.seen["path"] == "/v2/items/3?legacy=true", path="/items/3"),
    "47-static-request-delete.json": Case(
        lambda a: (
            (a.seen["method"], a.seen["path"], a.header("X-Reason")) == ("DELETE", "/sessions/current", ["logout"])
        )
    ),
    "48-entity-extract-no-match.json": Case(
        lambda a: (a.headers["X-Found"], a.headers["X-Csrf"]) == ("", "tok-123"), path="/page"
    ),
    "49-entity-extract-json.json": Case(lambda a: a.headers["X-Seen-Method"] == "PATCH", method="PATCH"),
    "50-file-attributes-tab.json": Case(
        lambda a: (a.header("X-Staff-Name"), a.header("X-Staff-Dept")) == (["Babs Jensen"], ["Sales"]), path="/?id=7"
    ),
    "51-file-attributes-colon.json": Case(
        lambda a: (a.header("X-Uid"), a.header("X-Home")) == (["1001"], ["/home/b:jensen"]),
        headers={"X-User": "bjensen"},
    ),
    "52-file-attributes-no-record.json": Case(
        lambda a: (a.status, a.text) == (401, "Unknown user"), headers={"X-User": "nobody"}
    ),
    "53-cookie-filter-relay-default.json": Case(
        lambda a: (
            a.seen["cookies"] == {"a": "1"}
            and sorted(c.split(";")[0] for c in a.headers.getall("Set-Cookie")) == ["app=1", "tracker=2"]
        ),
        path="/cookies",
        headers={"Cookie": "a=1"},
    ),
    "54-cookie-filter-managed-list.json": Case(
        lambda a: sorted(c.split("=")[0] for c in a.headers.getall("Set-Cookie")) == ["gateway-cookie-jar", "tracker"],
        path="/cookies",
    ),
    "55-location-header-foreign-untouched.json": Case(
        lambda a: a.headers["Location"] == "http://elsewhere.example.org/next"
    ),
    "56-monitor-with-percentiles.json": Case(
        lambda a: "56-monitor-with-percentiles" in a.seen, path="/monitoring", before=1
    ),
    "57-default-rate-gold.json": Case(lambda a: a.status == 200, headers={"X-Plan": "gold"}, before=3),
    "58-password-replay-passthrough.json": Case(
        lambda a: (a.seen["method"], a.seen["path"]) == ("GET", "/account"), path="/account"
    ),
    "59-password-replay-marker-no-match.json": Case(
        lambda a: (a.seen["method"], a.seen["cookies"]) == ("GET", {"session": "ok"}),
        path="/protected",
        headers={"Cookie": "session=ok"},
    ),
    "60-static-request-from-request.json": Case(
        lambda a: (
            (a.seen["path"], _form(a), a.header("X-Requested-By"))
            == ("/api/search", {"q": ["gw"], "page": ["2"]}, ["corpus-client"])
        ),
        path="/find?q=gw&page=2",
        headers={"User-Agent": "corpus-client"},
    ),
    "61-assignment-condition-false.json": Case(lambda a: a.header("X-Posted") == [""] or a.header("X-Posted") == []),
    "62-switch-response-replaces-404.json": Case(
        lambda a: (a.status, a.text) == (404, "<h1>Nothing here</h1>"), path="/status/404"
    ),
    "70-scalar-expressions-from-env.json": Case(
        lambda a: a.status == 429,
        headers={"X-Client": "c70"},
        before=1,
        env={"CORPUS_RATE": "1", "CORPUS_WINDOW": "1 minute", "CORPUS_KEEP_HOST": "yes"},
    ),
    "71-baseuri-from-env.json": Case(
        lambda a: a.seen["path"] == "/from-env", path="/from-env", env={"CORPUS_APP_HOST": "", "CORPUS_APP_PORT": ""}
    ),
    "72-baseuri-per-request.json": Case(
        lambda a: a.seen["path"] == "/chosen", path="/chosen", headers={"X-Backend": APP}
    ),
    "73-baseuri-path-prefix.json": Case(lambda a: a.seen["path"] == "/legacy/app/x?y=1", path="/x?y=1"),
    "74-status-from-env.json": Case(
        lambda a: (a.status, a.text) == (503, "Back soon"), path="/maintenance", env={"CORPUS_STATUS": "503"}
    ),
    "75-jwt-session-counts-visits.json": Case(
        lambda a: (
            a.header("X-Visits") == ["2"]
            and "IG_VISITS" not in a.seen["cookies"]
            and "IG_VISITS" in a.headers["Set-Cookie"]
        ),
        before=1,
    ),
    "76-jwt-session-inline-cookie-settings.json": Case(
        lambda a: (
            a.headers["Set-Cookie"].startswith("IG_SSO=")
            and all(
                attr in a.headers["Set-Cookie"] for attr in ("Domain=example.com", "Max-Age=3600", "SameSite=Strict")
            )
        ),
        headers={"X-User": "bjensen"},
    ),
    "77-timer-on-heap-objects.json": Case(
        lambda a: (
            list(a.seen["77-timer-on-heap-objects"]["timers"]) == ["TagRequest"]
            and a.seen["77-timer-on-heap-objects"]["timers"]["TagRequest"]["count"] == 2
        ),
        path="/monitoring",
        before=2,
        before_path="/app",
    ),
    "78-timer-on-the-route.json": Case(
        lambda a: (
            {"ClientHandler", "HeaderFilter", "DispatchHandler", "Chain"}
            <= set(a.seen["78-timer-on-the-route"]["timers"])
        ),
        path="/monitoring",
        before=1,
        before_path="/app",
    ),
    "79-audit-service-json-file.json": Case(
        lambda a: (
            [(e["route"], e["http"]["request"]["path"], e["response"]["statusCode"]) for e in _audit()]
            == [("79-audit-service-json-file", "/orders", "200")]
        ),
        path="/orders",
        env={"CORPUS_AUDIT_DIR": ""},
    ),
    "80-audit-tag-on-route.json": Case(
        lambda a: (
            a.status == 202 and [(e["tags"], e["response"]["statusCode"]) for e in _audit()] == [(["checkout"], "202")]
        ),
        env={"CORPUS_AUDIT_DIR": ""},
    ),
}


def _audit() -> list[dict[str, Any]]:
    """The access events an AuditService wrote (to the folder the test gave it)."""
    text = (Path(os.environ["CORPUS_AUDIT_DIR"]) / "access.audit.json").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


# The OpenIG types the corpus exercises, each in at least one file (a test above checks its effect).
EXERCISED_TYPES = {
    "AssignmentFilter",
    "AuditService",
    "Chain",
    "ClientHandler",
    "ConditionalFilter",
    "ConditionEnforcementFilter",
    "CookieFilter",
    "CaptureDecorator",
    "DefaultRateThrottlingPolicy",
    "DispatchHandler",
    "EntityExtractFilter",
    "FileAttributesFilter",
    "JwtSession",
    "HeaderFilter",
    "LocationHeaderFilter",
    "MappedThrottlingPolicy",
    "MonitorEndpointHandler",
    "PasswordReplayFilter",
    "StaticRequestFilter",
    "StaticResponseHandler",
    "SwitchFilter",
    "ThrottlingFilter",
}


def _types(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["type"]} if isinstance(node.get("type"), str) else set()
        return found.union(*(_types(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_types(item) for item in node))
    return set()


def test_the_corpus_uses_every_openig_type_it_claims() -> None:
    used: set[str] = set()
    for path in CORPUS.glob("*.json"):
        data, errors = parse_json(path.read_text(encoding="utf-8"), path.name)
        assert errors == []
        used |= _types(data)
    assert EXERCISED_TYPES - used == set()


def test_every_corpus_file_has_a_case() -> None:
    # The OpenID Connect files need the provider too: test_corpus_oauth2.py serves and checks them.
    assert sorted(path.name for path in CORPUS.glob("*.json")) == sorted([*CASES, *OAUTH2_FILES])


@pytest.mark.parametrize("name", sorted(CASES))
async def test_the_route_file_loads_and_acts(
    name: str,
    serve: Serve,
    routes_dir: Path,
    http: aiohttp.ClientSession,
    app_url: str,
    monkeypatch: MonkeyPatch,
    tmp_path: Path,
) -> None:
    host, port = app_url.removeprefix("http://").split(":")
    given = {"CORPUS_APP_HOST": host, "CORPUS_APP_PORT": port, "CORPUS_AUDIT_DIR": str(tmp_path)}
    for key, value in CASES[name].env.items():
        monkeypatch.setenv(key, given.get(key, value))
    answer = await exercise(serve, routes_dir, http, name, CASES[name], app_url)
    assert answer.status != 500, answer.text
    assert CASES[name].check(answer), f"{answer.status} {dict(answer.headers)} {answer.text}"
