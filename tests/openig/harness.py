"""Serving one corpus route file through a real gateway to the legacy application, and what came back."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.fixtures import Serve
from tests.support.gateway import GatewayHandle

CORPUS = Path(__file__).resolve().parent / "corpus"
# The application's address as the route files name it; replaced by the running application's.
APP = "http://app.example.com:8081"
# The OpenID Connect and OAuth 2.0 files (numbered from 100), served with the real provider by test_corpus_oauth2.py.
OAUTH2_FILES = sorted(path.name for path in CORPUS.glob("1[0-9][0-9]-*.json"))
# The environment variables corpus files read, for a run that does not serve them (`gateway check`).
CORPUS_ENV = {
    "CORPUS_RATE": "1",
    "CORPUS_WINDOW": "1 minute",
    "CORPUS_KEEP_HOST": "yes",
    "CORPUS_APP_HOST": "app.example.com",
    "CORPUS_APP_PORT": "8081",
    "CORPUS_STATUS": "503",
    "CORPUS_AUDIT_DIR": ".",
}


@dataclass
class Answer:
    """The gateway's response to one request."""

    status: int
    headers: Any
    text: str

    @property
    def seen(self) -> dict[str, Any]:
        """The echo record of what reached the application."""
        return json.loads(self.text)  # type: ignore[no-any-return]

    def header(self, name: str) -> list[str]:
        """Values of a header as the application received it."""
        return self.seen["headers"].get(name.lower(), [])


@dataclass
class Case:
    """A request through the corpus file, and what its answer must show."""

    check: Callable[[Answer], object]
    path: str = "/"
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    data: str | None = None
    # Earlier requests in the same gateway (e.g. to fill a throttle), their answers ignored.
    before: int = 0
    # The path of those earlier requests, when not `path`.
    before_path: str | None = None
    # Environment variables the file reads (the application's address written as APP).
    env: dict[str, str] = field(default_factory=dict)


def route_text(name: str, app_url: str, **replace: str) -> str:
    """The corpus file's text, pointed at the running application."""
    text = (CORPUS / name).read_text(encoding="utf-8").replace(APP, app_url)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


async def serve_file(serve: Serve, name: str, app_url: str, **replace: str) -> GatewayHandle:
    """A gateway serving the corpus file alone, pointed at the running application."""
    return await serve(**{name: route_text(name, app_url, **replace)})


async def exercise(
    serve: Serve, routes_dir: Path, http: aiohttp.ClientSession, name: str, case: Case, app_url: str, **replace: str
) -> Answer:
    """Serve the file alone and send the case's request."""
    for companion in (path for path in CORPUS.iterdir() if path.suffix != ".json"):
        (routes_dir / companion.name).write_bytes(companion.read_bytes())
    gateway = await serve_file(serve, name, app_url, **replace)
    url = f"{gateway.url}{case.path}"
    headers = {key: value.replace(APP, app_url) for key, value in case.headers.items()}
    jar: dict[str, str] = {}  # cookies set by earlier answers, sent back as a browser would
    earlier = f"{gateway.url}{case.before_path}" if case.before_path else url
    for _ in range(case.before):
        async with http.request(
            case.method, earlier, headers=headers, data=case.data, allow_redirects=False
        ) as response:
            await response.read()
        jar.update((name, morsel.value) for name, morsel in response.cookies.items())
        if jar:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items() if value)
    async with http.request(case.method, url, headers=headers, data=case.data, allow_redirects=False) as response:
        return Answer(response.status, response.headers, await response.text())
