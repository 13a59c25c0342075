"""Route-level `audit` and `auditService`: one access event per request; what cannot be mapped is refused."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.lint import check_paths
from tests.support.fixtures import Serve
from tests.support.upstream import Upstream


async def test_an_audit_tag_alone_writes_access_events_to_the_audit_log(
    serve: Serve, upstream: Upstream, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = await serve(
        **{"10-a.json": {"baseURI": upstream.url, "audit": ["shop", "eu"], "handler": "ClientHandler"}}
    )
    with caplog.at_level(logging.INFO, logger="gateway.audit"):
        async with http.get(f"{gateway.url}/cart?x=1") as response:
            assert response.status == 200
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "gateway.audit"]
    assert [(e["route"], e["tags"], e["http"]["request"]["path"], e["response"]["status"]) for e in events] == [
        ("10-a", ["shop", "eu"], "/cart", "SUCCESSFUL")
    ]
    assert events[0]["client"]["ip"] == "127.0.0.1"


def _errors(tmp_path: Path, route: dict[str, Any]) -> list[tuple[str, str]]:
    (tmp_path / "10-r.json").write_text(json.dumps(route), encoding="utf-8")
    return [(e.path, e.message) for e in check_paths([tmp_path], None)]


def test_an_event_handler_with_no_equivalent_is_refused(tmp_path: Path) -> None:
    csv = {"class": "org.forgerock.audit.handlers.csv.CsvAuditEventHandler", "config": {"logDirectory": "/tmp"}}
    service = {"type": "AuditService", "config": {"eventHandlers": [csv]}}
    errors = _errors(tmp_path, {"baseURI": "http://app", "auditService": service, "handler": "ClientHandler"})
    assert [p for p, _ in errors] == ["$.auditService.config.eventHandlers[0].class"]
    assert "CsvAuditEventHandler is not supported: use JsonAuditEventHandler" in errors[0][1]


def test_audit_on_a_heap_object_says_where_it_goes(tmp_path: Path) -> None:
    heap = [{"name": "up", "type": "ClientHandler", "audit": "x"}]
    errors = _errors(tmp_path, {"baseURI": "http://app", "heap": heap, "handler": "up"})
    assert errors == [
        ("$.heap[0].audit", 'audit on a heap object is not supported: give the route "audit" (a tag) or "auditService"')
    ]
