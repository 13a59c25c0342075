"""The real command line: `python -m gateway`, its exit codes and its messages."""

from __future__ import annotations

from pathlib import Path

from tests.cli.run import gateway


def test_python_m_gateway_shows_the_three_commands() -> None:
    result = gateway("--help")
    assert result.returncode == 0
    assert all(command in result.stdout for command in ("serve", "check", "schema"))


def test_serve_with_a_bad_config_exits_2_naming_file_and_path(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("listen: 127.0.0.1:0\nlisn: x\n")
    result = gateway("serve", "--config", str(config))
    assert result.returncode == 2
    assert f"{config}: $.lisn: unknown property 'lisn'; did you mean 'listen'?" in result.stderr
    assert "not started" in result.stderr


def test_serve_with_a_bad_global_heap_exits_2_naming_file_and_path(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("heap:\n  - {name: up, type: ClientHandlr}\n")
    routes = tmp_path / "routes"
    routes.mkdir()
    result = gateway(
        "serve", "--config", str(config), "--routes", str(routes), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"
    )
    assert result.returncode == 2
    assert f"{config}: $.heap[0].type: unknown type 'ClientHandlr'; did you mean 'ClientHandler'?" in result.stderr
    assert "not started" in result.stderr


def test_serve_with_two_workers_and_a_bad_global_heap_reports_once(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("heap:\n  - {name: up, type: ClientHandlr}\n")
    result = gateway("serve", "--config", str(config), "--workers", "2", "--listen", "127.0.0.1:0")
    assert result.returncode == 2
    assert result.stderr.count("unknown type 'ClientHandlr'") == 1
