"""The real OpenID provider behind a counting loopback proxy that is its issuer URL.

The provider is started with `--issuer` naming the proxy, so discovery, every endpoint and the
pages the browser helpers visit all go through the proxy, which forwards each request unchanged
and counts them by method and path: a test can tell how often the gateway called the token or
introspection endpoint. The proxy runs its own event loop in a thread, so that one provider can
serve a whole test module whatever event loop each test runs in.

    with proxied_idp(ttl={"DeviceCode": 2}) as (idp, proxy):
        ...
        proxy.count("POST", "/token")
"""

from __future__ import annotations

import asyncio
import collections
import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from idp.driver import IDP_DIR, IdP, ensure_node_modules
from tests.support.process import free_port

_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host"})


class ProxiedIdP(IdP):
    """An IdP whose issuer is a proxy URL; the provider itself listens on `real_port`."""

    def __init__(self, issuer: str, **options: Any) -> None:
        super().__init__(**options)
        self.public_issuer = issuer
        self.real_port = free_port()

    def start(self) -> IdP:
        """Start the provider on its own port, announcing the proxy as its issuer."""
        ensure_node_modules()
        (self._dir / "config.json").write_text(json.dumps(self.config))
        (self._dir / "jwks.json").write_text(json.dumps(self.jwks))
        args = ["node", str(IDP_DIR / "provider.mjs"), "--port", str(self.real_port), "--issuer", self.public_issuer]
        args += ["--config", str(self._dir / "config.json"), "--jwks", str(self._dir / "jwks.json")]
        with (self._dir / "idp.log").open("a") as log:
            self._process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True, cwd=IDP_DIR)
        self.issuer = self._wait_ready()
        self.port = URL(self.issuer).port or 0
        return self


class CountingProxy:
    """Forwards every request to `target` and counts them by (method, path)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.counts: collections.Counter[tuple[str, str]] = collections.Counter()
        self.url = ""
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._client: aiohttp.ClientSession | None = None
        self._thread = threading.Thread(target=self._run, name="idp-proxy", daemon=True)

    def count(self, method: str, path: str) -> int:
        """How many requests `method path` the proxy forwarded."""
        with self._lock:
            return self.counts[(method, path)]

    def start(self) -> CountingProxy:
        """Listen on a free loopback port (known as `url` once this returns)."""
        self._thread.start()
        if not self._started.wait(10) or not self.url:
            raise RuntimeError("the counting proxy did not start")
        return self

    def stop(self) -> None:
        """Stop serving and end the thread."""
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            async with aiohttp.ClientSession(auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar()) as client:
                self._client = client
                await web.TCPSite(runner, "127.0.0.1", 0).start()
                host, port = runner.addresses[0][:2]
                self.url = f"http://{host}:{port}"
                self._started.set()
                await self._stop.wait()
        finally:
            self._started.set()
            await runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        with self._lock:
            self.counts[(request.method, request.path)] += 1
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        headers["Host"] = request.host
        assert self._client is not None
        async with self._client.request(
            request.method, self.target + request.raw_path, headers=headers, data=await request.read(),
            allow_redirects=False,
        ) as answer:  # fmt: skip
            body = await answer.read()
            response = web.Response(status=answer.status, body=body)
            for name, value in answer.headers.items():
                if name.lower() not in _HOP:
                    response.headers.add(name, value)
        return response


@contextmanager
def proxied_idp(**options: Any) -> Iterator[tuple[IdP, CountingProxy]]:
    """A real provider behind a counting proxy on loopback; the proxy's URL is the issuer."""
    real_port = free_port()
    proxy = CountingProxy(f"http://127.0.0.1:{real_port}").start()
    try:
        idp = ProxiedIdP(proxy.url, **options)
        idp.real_port = real_port
        with idp:
            yield idp, proxy
    finally:
        proxy.stop()
