"""The real command line: `python -m gateway`, its exit codes and its messages."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli.run import gateway

BAD_HEAP = "heap:\n  - {name: up, type: ClientHandlr}\n"


def test_python_m_gateway_shows_the_three_commands() -> None:
    result = gateway("--help")
    assert result.returncode == 0
    assert all(command in result.stdout for command in ("serve", "check", "schema"))


def _serve(config: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`gateway serve` with `text` as its config file, which must stop it before it serves (exit 2)."""
    config.write_text(text)
    result = gateway("serve", "--config", str(config), *args)
    assert result.returncode == 2
    assert "not started" in result.stderr
    return result


def test_serve_with_a_bad_config_exits_2_naming_file_and_path(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    result = _serve(config, "listen: 127.0.0.1:0\nlisn: x\n")
    assert f"{config}: $.lisn: unknown property 'lisn'; did you mean 'listen'?" in result.stderr


def test_serve_with_a_bad_global_heap_exits_2_naming_file_and_path(tmp_path: Path) -> None:
    config, routes = tmp_path / "gateway.yaml", tmp_path / "routes"
    routes.mkdir()
    listeners = ("--routes", str(routes), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")
    result = _serve(config, BAD_HEAP, *listeners)
    assert f"{config}: $.heap[0].type: unknown type 'ClientHandlr'; did you mean 'ClientHandler'?" in result.stderr


def test_serve_with_two_workers_and_a_bad_global_heap_reports_once(tmp_path: Path) -> None:
    result = _serve(tmp_path / "gateway.yaml", BAD_HEAP, "--workers", "2", "--listen", "127.0.0.1:0")
    assert result.stderr.count("unknown type 'ClientHandlr'") == 1


def test_serve_with_a_tls_certificate_that_does_not_load_exits_2_naming_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    text = f"listen: 127.0.0.1:0\nadmin: {{listen: 127.0.0.1:0}}\ntls: {{certificate: {tmp_path}/missing.pem}}\n"
    result = _serve(config, text, "--workers", "2")
    assert f"{config}: $.tls.certificate: cannot load" in result.stderr
