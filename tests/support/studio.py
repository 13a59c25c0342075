"""A gateway with the studio on, and a client of its admin API that sends the CSRF token."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from playwright.async_api import Page

from tests.support.gateway import GatewayHandle, running_gateway


@asynccontextmanager
async def studio_gateway(tmp_path: Path, routes_dir: Path, **more: Any) -> AsyncIterator[GatewayHandle]:
    """A gateway with the studio enabled and its state and captures in `tmp_path`."""
    settings = {
        "studio": {"enabled": True},
        "state": str(tmp_path / "state"),
        "capture": {"dir": str(tmp_path / "capture")},
        # A new route in the studio starts with no upstream: the default keeps its first lint clean.
        "routing": {"baseURI": "http://127.0.0.1:9"},
        **more,
    }
    async with running_gateway(routes_dir, **settings) as gateway:
        yield gateway


@dataclass
class Api:
    """Calls to the admin API as the studio page makes them (same origin, CSRF header)."""

    http: aiohttp.ClientSession
    admin: str
    csrf: str = ""

    async def start(self) -> Api:
        """Read the CSRF token as the page does."""
        async with self.http.get(f"{self.admin}/admin/api/studio") as response:
            assert response.status == 200
            self.csrf = (await response.json())["csrf"]
        return self

    def headers(self, **more: str) -> dict[str, str]:
        """Same-origin headers with the token."""
        return {"Origin": self.admin, "X-CSRF-Token": self.csrf, **more}

    async def call(self, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        """(status, JSON body) of one call."""
        sent = self.headers(**{k.replace("_", "-"): v for k, v in headers.items()})
        async with self.http.request(method, self.admin + path, json=body, headers=sent) as response:
            if response.content_type != "application/json":
                return response.status, await response.text()
            return response.status, await response.json()

    async def read(self, file: str) -> dict[str, Any]:
        """The file as GET /admin/api/files/{file} answers it."""
        status, body = await self.call("GET", f"/admin/api/files/{file}")
        assert status == 200, body
        return dict(body)

    async def deploy(self, file: str, route: dict[str, Any], **headers: str) -> tuple[int, Any]:
        """PUT the route (as a new file unless an If-Match header is given)."""
        if "If_Match" not in headers:
            headers.setdefault("If_None_Match", "*")
        return await self.call("PUT", f"/admin/api/files/{file}", {"route": route}, **headers)


def throttled_route(path: str, limit: int = 2) -> dict[str, Any]:
    """A monitored, captured, throttled route answering on `path`."""
    return {
        "name": path.strip("/"),
        "condition": f"${{startsWith(request.uri.path, '{path}')}}",
        "monitor": True,
        "capture": ["request", "response"],
        "heap": [
            {
                "name": "limit",
                "type": "ThrottlingFilter",
                "config": {
                    "requestGroupingPolicy": "${contexts.client.remoteAddress}",
                    "rate": {"numberOfRequests": limit, "duration": "1 minute"},
                },
            }
        ],
        "handler": {
            "type": "Chain",
            "config": {
                "filters": ["limit"],
                "handler": {"type": "StaticResponseHandler", "config": {"status": 200, "entity": "ok\n"}},
            },
        },
    }


# Notes: anyone may read; nobody may delete (no policy allows it, and only a permit forwards).
NOTES_POLICIES = """\
resourceTypes:
  route:
    patterns: ["/notes", "/notes/{noteId}"]
    actions: [GET, DELETE]
policySets:
  - name: notes
    resourceTypes: [route]
    policies:
      - name: anyone-reads-notes
        resources: ["/notes", "/notes/{noteId}"]
        actions: {GET: allow}
        subjects: [{}]
"""


def notes_pdp(tmp_path: Path, name: str = "policies") -> dict[str, Any]:
    """A global-heap built-in PDP (in-process, not served) with the notes policies."""
    file = tmp_path / "notes-policies.yaml"
    file.write_text(NOTES_POLICIES, encoding="utf-8")
    return {"name": name, "type": "PolicyDecisionPoint", "config": {"file": str(file)}}


async def start_route(page: Page, name: str, prefix: str, upstream: str) -> None:
    """From the studio's empty form: a new route `name` taking the paths under `prefix` to `upstream`."""
    await page.get_by_role("button", name="New route").click()
    await page.get_by_label("Name", exact=True).fill(name)
    await page.get_by_label("Path prefix").fill(prefix)
    await page.get_by_label("Upstream base URI").fill(upstream)


async def shot(page: Page, name: str, at: str = "header") -> None:
    """Keep a screenshot (scrolled to `at`) when STUDIO_SCREENSHOTS names a folder."""
    folder = os.environ.get("STUDIO_SCREENSHOTS")
    if folder:
        await page.locator(at).scroll_into_view_if_needed()
        await page.screenshot(path=str(Path(folder) / f"studio-{name}.png"), full_page=False)
