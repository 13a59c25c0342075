"""Capture configuration: points, decorators and masks are checked when a route loads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from gateway.app import create_services
from gateway.capturing.wrap import CapturedAuthFilter
from gateway.filters.auth import AuthFilter, AuthGroup, group_authentication
from gateway.identity import Identity
from gateway.routing.loader import LoadResult, load_route
from gateway.runtime import build_global_heap
from gateway.settings import Settings


def load(route: dict[str, Any], tmp_path: Path) -> LoadResult:
    services = create_services(Settings(state=str(tmp_path / "state")))
    path = tmp_path / "10-r.json"
    return load_route(path, json.dumps(route), services, build_global_heap(services), "10-r.json")


def static(**extra: Any) -> dict[str, Any]:
    return {"type": "StaticResponseHandler", "config": {"status": 200, "entity": "ok"}, **extra}


@pytest.mark.parametrize(
    ("route", "path", "message"),
    [
        ({"capture": ["request", "respons"], "handler": static()}, "$.capture[1]", "did you mean 'response'"),
        ({"capture": "everything", "handler": static()}, "$.capture", "unknown capture point 'everything'"),
        ({"handler": static(capture=["request", 3])}, "$.handler.capture[1]", "expected a capture point"),
        (
            {"handler": static(capture={"decorator": "nope", "points": "all"})},
            "$.handler.capture.decorator",
            "no heap object named 'nope'",
        ),
        (
            {"handler": static(capture={"decorator": "capture", "point": "all"})},
            "$.handler.capture.point",
            "unknown property 'point'",
        ),
        (
            {
                "heap": [{"name": "c", "type": "CaptureDecorator", "config": {"masks": {"headers": ["(x"]}}}],
                "handler": static(capture={"decorator": "c", "points": "all"}),
            },
            "$.heap[0].config.masks.headers[0]",
            "invalid regex '(x'",
        ),
        (
            {"heap": [{"name": "c", "type": "CaptureDecorator", "capture": "all"}], "handler": static()},
            "$.heap[0].capture",
            "capture applies to filters and handlers, not to a CaptureDecorator",
        ),
        (
            {"heap": [{"name": "c", "type": "CaptureDecorator", "config": {"format": "xml"}}], "handler": static()},
            "$.heap[0].config.format",
            "",
        ),
        (
            {
                "heap": [{"name": "h", "type": "HeaderFilter", "config": {"messageType": "REQUEST"}}],
                "handler": static(capture={"decorator": "h"}),
            },
            "$.handler.capture.decorator",
            "expected a CaptureDecorator",
        ),
    ],
)
def test_bad_capture_config_is_a_load_error_with_its_path(
    route: dict[str, Any], path: str, message: str, tmp_path: Path
) -> None:
    result = load(route, tmp_path)
    assert result.route is None
    errors = [str(e) for e in result.errors]
    assert any(f"10-r.json: {path}: " in e and message in e for e in errors), errors


@pytest.mark.parametrize("capture", ["ALL", ["Request", "FILTERED_response"], {"points": ["all"]}, []])
def test_good_capture_config_loads(capture: Any, tmp_path: Path) -> None:
    result = load({"handler": static(capture=capture), "capture": "response"}, tmp_path)
    assert result.errors == []
    assert result.route is not None


class _Bearer(AuthFilter):
    """A minimal authentication filter, only to check how capture wraps the kind."""

    async def authenticate(self, request: web.BaseRequest) -> Identity | None:
        return None

    async def challenge(self, request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(status=401)


def test_captured_authentication_filters_are_still_grouped(tmp_path: Path) -> None:
    services = create_services(Settings(state=str(tmp_path / "state")))
    ctx = build_global_heap(services).ctx
    assert services.decorate is not None
    captured = services.decorate(_Bearer(), "all", "$.heap[0].capture", ctx, "bearer")
    assert isinstance(captured, CapturedAuthFilter)
    grouped = group_authentication([captured, _Bearer()])
    assert len(grouped) == 1
    assert isinstance(grouped[0], AuthGroup)
