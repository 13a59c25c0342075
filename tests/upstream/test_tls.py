"""ClientHandler TLS to an https upstream, with trustme certificates: the CA bundle, host name checks,
expiry, SNI, client certificates, and `insecure` only when written out."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from gateway.lint import check
from tests.support.gateway import running_gateway, write_route
from tests.support.tls import Pki, TlsUpstream, https_upstream, https_upstream_app, server_context
from tests.support.upstream import raw_request


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    """The upstream's CA."""
    return Pki(tmp_path)


def _route(base: str, **tls: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"tls": {k: str(v) if isinstance(v, Path) else v for k, v in tls.items()}} if tls else {}
    return {"baseURI": base, "handler": {"type": "ClientHandler", "config": config}}


async def _get(routes_dir: Path, route: dict[str, Any]) -> tuple[int, bytes]:
    write_route(routes_dir, "10-tls.json", route)
    async with running_gateway(routes_dir) as gateway:
        answer = await raw_request(gateway.url, "/hello")
    return answer.status, answer.body


async def test_a_chain_from_the_ca_bundle_is_trusted_and_sni_names_the_host(routes_dir: Path, pki: Pki) -> None:
    cert, _ = pki.leaf("upstream.pem", "localhost")
    async with https_upstream(server_context(cert)) as upstream:
        status, body = await _get(routes_dir, _route(upstream.url("localhost"), caBundle=pki.ca_file))
    assert (status, body) == (200, b"secure")
    assert upstream.server_names == ["localhost"]


async def test_a_certificate_for_another_host_is_refused(routes_dir: Path, pki: Pki, caplog: Any) -> None:
    cert, _ = pki.leaf("upstream.pem", "other.example")
    async with https_upstream(server_context(cert)) as upstream:
        status, _ = await _get(routes_dir, _route(upstream.url("localhost"), caBundle=pki.ca_file))
    assert status == 502
    assert "Hostname mismatch" in caplog.text or "doesn't match" in caplog.text


async def test_an_expired_certificate_is_refused(routes_dir: Path, pki: Pki, caplog: Any) -> None:
    cert, _ = pki.leaf("upstream.pem", "localhost", expired=True)
    async with https_upstream(server_context(cert)) as upstream:
        status, _ = await _get(routes_dir, _route(upstream.url("localhost"), caBundle=pki.ca_file))
    assert status == 502
    assert "certificate has expired" in caplog.text


async def test_a_ca_outside_the_bundle_is_refused(routes_dir: Path, pki: Pki, tmp_path: Path, caplog: Any) -> None:
    cert, _ = pki.leaf("upstream.pem", "localhost")
    other = Pki(tmp_path, "other-ca")
    async with https_upstream(server_context(cert)) as upstream:
        with_other, _ = await _get(routes_dir, _route(upstream.url(), caBundle=other.ca_file))
        with_system_cas, _ = await _get(routes_dir, _route(upstream.url()))
    assert (with_other, with_system_cas) == (502, 502)
    assert "unable to get local issuer certificate" in caplog.text


async def test_insecure_accepts_an_unknown_ca_and_says_so(routes_dir: Path, pki: Pki, caplog: Any) -> None:
    cert, _ = pki.leaf("upstream.pem", "other.example")
    caplog.set_level(logging.WARNING, "gateway.tls")
    async with https_upstream(server_context(cert)) as upstream:
        status, body = await _get(routes_dir, _route(upstream.url(), insecure=True))
    assert (status, body) == (200, b"secure")
    assert "TLS verification is off (insecure: true)" in caplog.text
    assert "10-tls.json" in caplog.text


async def _mtls(routes_dir: Path, pki: Pki, tmp_path: Path, **tls: Any) -> tuple[int, TlsUpstream]:
    clients = Pki(tmp_path, "client-ca")
    cert, _ = pki.leaf("upstream.pem", "localhost")
    clients.leaf("gateway-client.pem", "gateway.example")
    async with https_upstream(server_context(cert, client_ca=clients.ca)) as upstream:
        status, _ = await _get(routes_dir, _route(upstream.url(), caBundle=pki.ca_file, **tls))
    return status, upstream


async def test_an_upstream_that_requires_a_client_certificate_gets_the_configured_one(
    routes_dir: Path, pki: Pki, tmp_path: Path
) -> None:
    status, upstream = await _mtls(routes_dir, pki, tmp_path, certificate=tmp_path / "gateway-client.pem")
    assert status == 200
    assert upstream.client_names == ["gateway.example"]


async def test_without_a_client_certificate_an_upstream_requiring_one_answers_nothing(
    routes_dir: Path, pki: Pki, tmp_path: Path
) -> None:
    status, upstream = await _mtls(routes_dir, pki, tmp_path)
    assert status == 502
    assert upstream.client_names == []


def test_tls_files_that_do_not_load_are_named_by_json_path(routes_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "not-a-cert.pem").write_text("hello")
    write_route(routes_dir, "10-ca.json", _route("https://localhost", caBundle=tmp_path / "missing.pem"))
    write_route(routes_dir, "20-cert.json", _route("https://localhost", certificate=tmp_path / "not-a-cert.pem"))
    write_route(routes_dir, "30-key.json", _route("https://localhost", key=tmp_path / "not-a-cert.pem"))
    errors = [str(error) for error in check([routes_dir], None).errors]
    assert len(errors) == 3, errors
    assert "10-ca.json: $.handler.config.tls.caBundle: cannot load CA bundle" in errors[0]
    assert "20-cert.json: $.handler.config.tls.certificate: cannot load client certificate" in errors[1]
    assert "30-key.json: $.handler.config.tls.key: a key needs its certificate" in errors[2]


async def _wss_echo(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse()
    await socket.prepare(request)
    async for message in socket:
        await socket.send_str(f"tls:{message.data}")
    return socket


@pytest.mark.parametrize("trusted", [True, False], ids=["ca-bundle", "system-cas"])
async def test_a_websocket_to_an_https_upstream_uses_the_route_tls(
    routes_dir: Path, pki: Pki, http: aiohttp.ClientSession, trusted: bool
) -> None:
    cert, _ = pki.leaf("upstream.pem", "localhost")
    app = web.Application()
    app.router.add_get("/ws", _wss_echo)
    async with https_upstream_app(app, server_context(cert)) as port:
        tls = {"caBundle": pki.ca_file} if trusted else {}
        write_route(routes_dir, "10-tls.json", _route(f"https://localhost:{port}", **tls))
        async with running_gateway(routes_dir) as gateway:
            if not trusted:
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await http.ws_connect(f"{gateway.url}/ws")
                assert refused.value.status == 502
                return
            async with http.ws_connect(f"{gateway.url}/ws") as socket:
                await socket.send_str("hi")
                assert await socket.receive_str() == "tls:hi"
