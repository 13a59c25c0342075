"""Throwaway certificates (trustme) on disk, and an https upstream that records SNI and client certificates."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from aiohttp import web


@dataclass
class Pki:
    """A CA with its PEM file in `folder`; leaf certificates are written beside it."""

    folder: Path
    name: str = "ca"
    ca: trustme.CA = field(default_factory=trustme.CA)

    @property
    def ca_file(self) -> Path:
        """The CA certificate as PEM (what a caBundle or clientCa names)."""
        path = self.folder / f"{self.name}.pem"
        if not path.exists():
            self.ca.cert_pem.write_to_path(str(path))
        return path

    def leaf(self, filename: str, *identities: str, expired: bool = False) -> tuple[trustme.LeafCert, Path]:
        """A certificate for `identities` and its key and chain in one PEM file."""
        extra: dict[str, Any] = {}
        if expired:
            now = datetime.datetime.now(datetime.UTC)
            extra = {"not_before": now - datetime.timedelta(days=30), "not_after": now - datetime.timedelta(days=1)}
        cert = self.ca.issue_cert(*identities, **extra)
        path = self.folder / filename
        cert.private_key_and_cert_chain_pem.write_to_path(str(path))
        return cert, path


def server_context(cert: trustme.LeafCert, client_ca: trustme.CA | None = None) -> ssl.SSLContext:
    """A server context presenting `cert`; with `client_ca`, client certificates it issued are required."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    if client_ca is not None:
        client_ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


@dataclass
class TlsUpstream:
    """An https upstream: its port, the SNI names it was sent, and the names in the client certificates it saw."""

    port: int = 0
    server_names: list[str | None] = field(default_factory=list)
    client_names: list[str] = field(default_factory=list)

    def url(self, host: str = "localhost") -> str:
        """Its base URL under `host` (the name the gateway checks the certificate against)."""
        return f"https://{host}:{self.port}"


@asynccontextmanager
async def https_upstream(context: ssl.SSLContext) -> AsyncIterator[TlsUpstream]:
    """An upstream on loopback speaking TLS with `context`; every request gets 200 "secure"."""
    upstream = TlsUpstream()

    def record_sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        upstream.server_names.append(name)

    context.sni_callback = record_sni  # type: ignore[assignment]

    async def answer(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peercert") if request.transport else None
        if peer:
            upstream.client_names.extend(value for _kind, value in peer.get("subjectAltName", ()))
        return web.Response(text="secure")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    async with https_upstream_app(app, context) as port:
        upstream.port = port
        yield upstream


@asynccontextmanager
async def https_upstream_app(app: web.Application, context: ssl.SSLContext) -> AsyncIterator[int]:
    """Serve `app` over TLS on a free loopback port: its port, until the block ends."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def https_get(port: int, context: ssl.SSLContext, host: str = "localhost") -> tuple[str, bytes, str]:
    """GET / over TLS to 127.0.0.1:`port` as `host`: (the answer as text, the server certificate, the TLS version)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname=host)
    try:
        tls = writer.get_extra_info("ssl_object")
        writer.write(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        answer = (await reader.read()).decode()
    finally:
        writer.close()
    if not answer:
        raise ConnectionResetError("the gateway closed the connection without an answer")
    return answer, tls.getpeercert(binary_form=True), tls.version()
