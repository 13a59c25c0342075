"""The https listener: its certificate (reloaded when the file changes), TLS 1.2+, client certificates
in `contexts.client`, and HSTS."""

from __future__ import annotations

import asyncio
import os
import ssl
from pathlib import Path
from typing import Any

import pytest

from gateway.errors import ConfigErrors
from gateway.http.tls import ServerTls
from gateway.settings import load_settings
from tests.support.gateway import GatewayHandle, running_gateway, write_route
from tests.support.tls import Pki, https_get
from tests.support.traffic import wait_for
from tests.support.upstream import raw_request

WHO = "|".join(
    [
        "${contexts.client.isSecure}",
        "${length(contexts.client.certificates)}",
        "${contexts.client.certificates[0].subjectAltNames[0]}",
    ]
)


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    """The listener's CA."""
    return Pki(tmp_path)


@pytest.fixture
def who(routes_dir: Path) -> Path:
    """A route answering with what it knows of the client's TLS."""
    static = {"type": "StaticResponseHandler", "config": {"status": 200, "entity": WHO}}
    return write_route(routes_dir, "10-who.json", {"handler": static})


def _client(pki: Pki, certificate: Path | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca_file))
    if certificate is not None:
        context.load_cert_chain(str(certificate))
    return context


async def _get(gateway: GatewayHandle, context: ssl.SSLContext) -> tuple[str, bytes, str]:
    return await https_get(int(gateway.url.rpartition(":")[2]), context)


def _first_certificate(path: Path) -> bytes:
    """The DER of the first certificate in a PEM file (after its key)."""
    text = path.read_text()
    start = text.index("-----BEGIN CERTIFICATE-----")
    end = text.index("-----END CERTIFICATE-----", start) + len("-----END CERTIFICATE-----")
    return ssl.PEM_cert_to_DER_cert(text[start:end])


def _tls(pki: Pki, **extra: Any) -> dict[str, Any]:
    _, path = pki.leaf("gateway.pem", "localhost")
    return {"certificate": str(path), **extra}


async def test_the_listener_serves_https_with_its_certificate(routes_dir: Path, who: Path, pki: Pki) -> None:
    async with running_gateway(routes_dir, tls=_tls(pki, hsts="max-age=63072000")) as gateway:
        answer, presented, version = await _get(gateway, _client(pki))
    assert answer.startswith("HTTP/1.1 200")
    assert answer.endswith("\r\n\r\ntrue|0|")
    assert "Strict-Transport-Security: max-age=63072000\r\n" in answer
    assert presented == _first_certificate(pki.folder / "gateway.pem")
    assert version in ("TLSv1.2", "TLSv1.3")


def test_the_server_context_refuses_anything_older_than_tls_1_2(pki: Pki) -> None:
    _, path = pki.leaf("gateway.pem", "localhost")
    context = ServerTls(str(path), None, None).context()
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert all(cipher["protocol"] == "TLSv1.3" or "GCM" in cipher["name"] or "CHACHA20" in cipher["name"]
               for cipher in context.get_ciphers())  # fmt: skip


async def test_a_replaced_certificate_is_presented_without_a_restart(
    routes_dir: Path, who: Path, pki: Pki, tmp_path: Path, caplog: Any
) -> None:
    async with running_gateway(routes_dir, tls=_tls(pki, reloadInterval=0.05)) as gateway:
        _, first, _ = await _get(gateway, _client(pki))
        (tmp_path / "gateway.pem").write_text("-----BEGIN CERTIFICATE-----\nhalf written")
        await wait_for(lambda: asyncio.sleep(0.05, caplog.text), lambda log: "not reloaded" in log, "the log", 10)
        _, still, _ = await _get(gateway, _client(pki))
        renewed, renewed_file = pki.leaf("renewed.pem", "localhost")
        os.replace(renewed_file, tmp_path / "gateway.pem")

        async def presented() -> bytes:
            return (await _get(gateway, _client(pki)))[1]

        await wait_for(presented, lambda der: der != first, "the renewed certificate", 10)
        now = await presented()
    assert still == first
    assert now == ssl.PEM_cert_to_DER_cert(renewed.cert_chain_pems[0].bytes().decode())
    assert now == _first_certificate(tmp_path / "gateway.pem")


async def test_a_required_client_certificate_reaches_expressions(
    routes_dir: Path, who: Path, pki: Pki, tmp_path: Path
) -> None:
    clients = Pki(tmp_path, "clients")
    _, alice = clients.leaf("alice.pem", "alice@example.com")
    async with running_gateway(routes_dir, tls=_tls(pki, clientCa=str(clients.ca_file))) as gateway:
        answer, _, _ = await _get(gateway, _client(pki, alice))
        with pytest.raises((ssl.SSLError, ConnectionError)):
            await _get(gateway, _client(pki))
    assert answer.startswith("HTTP/1.1 200")
    assert answer.endswith("\r\n\r\ntrue|1|alice@example.com")


async def test_an_optional_client_certificate_lets_clients_without_one_in(
    routes_dir: Path, who: Path, pki: Pki, tmp_path: Path
) -> None:
    clients = Pki(tmp_path, "clients")
    tls = _tls(pki, clientCa=str(clients.ca_file), clientCertificates="optional")
    async with running_gateway(routes_dir, tls=tls) as gateway:
        answer, _, _ = await _get(gateway, _client(pki))
    assert answer.endswith("\r\n\r\ntrue|0|")


async def test_a_certificate_file_that_does_not_load_stops_the_start(routes_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors) as caught:
        async with running_gateway(routes_dir, tls={"certificate": str(tmp_path / "missing.pem")}):
            pass
    assert [error.path for error in caught.value.errors] == ["$.tls.certificate"]
    assert "cannot load" in caught.value.errors[0].message


async def test_over_plain_http_the_client_is_not_secure(routes_dir: Path, who: Path) -> None:
    async with running_gateway(routes_dir) as gateway:
        answer = await raw_request(gateway.url, "/")
    assert answer.body == b"false|0|"


def test_asking_for_client_certificates_without_their_cas_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("tls: {certificate: gateway.pem, clientCertificates: required}\n")
    with pytest.raises(ConfigErrors) as caught:
        load_settings(config)
    assert "clientCertificates needs clientCa" in str(caught.value.errors[0])
