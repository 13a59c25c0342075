"""The demo's first run: a taken port is an error, and the demo provider registers the port in use."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from demo.__main__ import _check_free, _idp_config
from gateway.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_a_taken_port_stops_the_demo_with_a_message_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            _check_free(port, "the gateway", "--port")
    assert str(stopped.value) == f"demo: port {port} (the gateway) is already in use; choose another with --port"


def test_the_demo_provider_registers_the_gateway_port_in_use(tmp_path: Path) -> None:
    client = json.loads(_idp_config(18080, tmp_path).read_text(encoding="utf-8"))["clients"][0]
    uris = client["redirect_uris"] + client["post_logout_redirect_uris"] + [client["backchannel_logout_uri"]]
    assert "http://127.0.0.1:18080/oauth2/callback" in uris
    assert all(":18080/" in uri for uri in uris), uris


def test_the_demo_runs_with_the_studio_on() -> None:
    assert load_settings(ROOT / "demo" / "gateway.yaml").studio.enabled
