"""The authorization panel in a real browser: a route built from the form against the built-in
in-process PDP is deployed and enforced (a denied request gets 403 and never reaches the upstream,
a permitted one does); the JSON edited by hand moves the panel, and its mistakes show at the field."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Page, expect

from tests.support.gateway import GatewayHandle
from tests.support.studio import notes_pdp, shot, start_route, studio_gateway
from tests.support.upstream import Upstream

pytestmark = pytest.mark.slow


@pytest.fixture
async def gateway(tmp_path: Path, routes_dir: Path) -> AsyncIterator[GatewayHandle]:
    async with studio_gateway(tmp_path, routes_dir, heap=[notes_pdp(tmp_path)]) as handle:
        yield handle


async def build_notes_route(page: Page, upstream: Upstream) -> None:
    """From an empty form: a path prefix, an upstream, authorization by the global PDP."""
    await start_route(page, "notes", "/notes", upstream.url)
    await page.get_by_role("checkbox", name="Authorization", exact=True).check()
    await expect(page.get_by_label("Policy decision point")).to_have_value("policies")
    await page.get_by_label("Resource templates").fill("/notes\n/notes/{noteId}")
    await page.get_by_label("When the PDP gives no answer").select_option("403")


async def status(http: aiohttp.ClientSession, method: str, url: str) -> int:
    """The status, and for a refusal, that it is the PDP's deny (onError is 403 too)."""
    async with http.request(method, url) as response:
        body = await response.read()
        if response.status == 403:
            assert json.loads(body)["error"] == "access_denied", body
        return response.status


async def test_an_authorized_route_built_in_the_form_denies_and_permits(
    gateway: GatewayHandle, page: Page, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    await page.goto(f"{gateway.admin}/studio/")
    await build_notes_route(page, upstream)
    await expect(page.locator("#json-errors")).to_contain_text("No problems")
    route = json.loads(await page.locator("#json").input_value())
    assert route["heap"] == [
        {
            "name": "authorize",
            "type": "PolicyEnforcementFilter",
            "config": {"pdp": "policies", "resources": ["/notes", "/notes/{noteId}"], "onError": 403},
        }
    ]
    assert route["handler"]["config"]["filters"] == ["authorize"]
    await shot(page, "authorization", "#authorization-panel")

    await page.get_by_role("button", name="Deploy", exact=True).click()
    await expect(page.locator("#deploy-status")).to_contain_text("Deployed 60-notes.json: loaded")
    row = page.locator("#routes-table tr[data-file='60-notes.json']")
    await expect(row).to_contain_text("authorization")

    assert await status(http, "DELETE", f"{gateway.url}/notes/7") == 403
    assert await status(http, "GET", f"{gateway.url}/notes/7/history") == 403  # matches no template
    assert upstream.paths == []
    assert await status(http, "GET", f"{gateway.url}/notes/7") == 200
    assert upstream.paths == ["/notes/7"]


async def test_the_json_moves_the_panel_and_its_mistakes_show_at_the_field(
    gateway: GatewayHandle, page: Page, upstream: Upstream, tmp_path: Path
) -> None:
    policies = tmp_path / "notes-policies.yaml"
    await page.goto(f"{gateway.admin}/studio/")
    await build_notes_route(page, upstream)
    await expect(page.locator("#json-errors")).to_contain_text("No problems")
    text = await page.locator("#json").input_value()
    edited = text.replace(
        '"onError": 403',
        '"onError": 403,\n        "requirements": [{"action": "GET", "resourceId": "/notes"}],'
        '\n        "cache": {"size": 50, "ttl": "30 s"}',
    )
    await page.locator("#json").fill(edited)
    await expect(page.get_by_label("Requirements")).to_have_value("GET on /notes")
    await expect(page.get_by_label("Keep permits for")).to_have_value("30 s")

    # A requirement the form cannot read goes to the linter as written, and its error stays at the field.
    await page.get_by_label("Requirements").fill("read the notes")
    await expect(page.locator("#e-authorization")).to_contain_text("$.heap[0].config.requirements[0]")
    await expect(page.get_by_label("Requirements")).to_have_attribute("aria-invalid", "true")
    await page.get_by_label("Requirements").fill("GET on route /notes")
    await expect(page.locator("#json-errors")).to_contain_text("No problems")
    route = json.loads(await page.locator("#json").input_value())
    config = route["heap"][0]["config"]
    assert config["requirements"] == [{"action": "GET", "resourceType": "route", "resourceId": "/notes"}]
    assert config["cache"] == {"size": 50, "ttl": "30 s"}  # the size, which the form does not show, survives

    # A step-up names the route's browser login: with none switched on, the linter says so at the box.
    await page.get_by_role("checkbox", name="Step up through the browser login").check()
    await expect(page.locator("#e-authorization")).to_contain_text("$.heap[0].config.login")
    await expect(page.get_by_role("checkbox", name="Step up through the browser login")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert json.loads(await page.locator("#json").input_value())["heap"][0]["config"]["login"] == "login"
    await page.get_by_role("checkbox", name="Step up through the browser login").uncheck()
    await expect(page.locator("#json-errors")).to_contain_text("No problems")

    # A PDP in the route's own heap is offered beside the global one; naming none is an error at the field.
    route["heap"].append({"name": "local", "type": "PolicyDecisionPoint", "config": {"file": str(policies)}})
    await page.locator("#json").fill(json.dumps(route, indent=2))
    await page.get_by_label("Policy decision point").select_option("local")
    await expect(page.locator("#json-errors")).to_contain_text("No problems")
    assert json.loads(await page.locator("#json").input_value())["heap"][0]["config"]["pdp"] == "local"
    await page.get_by_label("Policy decision point").select_option("")
    await expect(page.locator("#e-authorization")).to_contain_text("$.heap[0].config.pdp: required")
    await expect(page.get_by_label("Policy decision point")).to_have_attribute("aria-invalid", "true")
