"""`gateway serve --strict` refuses to start while any route file fails, listing every failure once;
`gateway check` warns about routes that an earlier catch-all keeps from ever being reached."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.run import gateway

LOOPBACK = ("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")


def _routes(tmp_path: Path) -> Path:
    routes = tmp_path / "routes"
    routes.mkdir()
    (routes / "10-bad-json.json").write_text('{"handler": ')
    (routes / "20-typo.json").write_text(json.dumps({"condition": "${request.uri.path == '/b'}", "handler": "Nope"}))
    good = {"condition": "${true}", "baseURI": "http://app:8080", "handler": "ClientHandler"}
    (routes / "30-good.json").write_text(json.dumps(good))
    return routes


def test_serve_strict_lists_every_failing_route_and_exits_2(tmp_path: Path) -> None:
    routes = _routes(tmp_path)
    result = gateway("serve", "--strict", "--routes", str(routes), *LOOPBACK)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(routes))]
    assert lines == [
        f"{routes}/10-bad-json.json: $: invalid JSON: the file ends before the object opened at line 1 column 1"
        " is closed",
        f"{routes}/20-typo.json: $.handler: no heap object named 'Nope'",
    ]
    assert "not started" in result.stderr


def test_strict_may_be_set_in_the_config_file_and_holds_with_workers(tmp_path: Path) -> None:
    routes = _routes(tmp_path)
    config = tmp_path / "gateway.yaml"
    config.write_text(f"routes: {routes}\nrouting: {{strict: true}}\n")
    result = gateway("serve", "--config", str(config), "--workers", "2", *LOOPBACK)
    assert result.returncode == 2
    # Checked once by the command, not by each worker.
    assert result.stderr.count("no heap object named 'Nope'") == 1


def test_check_warns_about_every_route_a_catch_all_with_a_typo_shadows(tmp_path: Path) -> None:
    (tmp_path / "00-all.json").write_text(json.dumps({"handler": {"type": "ClientHandlr"}}))
    (tmp_path / "10-a.json").write_text(json.dumps({"condition": "${request.uri.path == '/a'}", "handler": "x"}))
    (tmp_path / "20-b.json").write_text(json.dumps({"condition": "${request.uri.path == '/b'}", "handler": "x"}))
    result = gateway("check", str(tmp_path))
    assert result.returncode == 1
    warnings = [line for line in result.stdout.splitlines() if ": warning: " in line]
    assert warnings == [
        f"{tmp_path / name}: $: warning: never reached: {tmp_path / '00-all.json'} comes first and takes every"
        " request (it has no condition)"
        for name in ("10-a.json", "20-b.json")
    ]


def test_check_warnings_alone_do_not_fail(tmp_path: Path) -> None:
    base = {"baseURI": "http://app:8080", "handler": "ClientHandler"}
    (tmp_path / "00-all.json").write_text(json.dumps({"condition": "${1 == 1}", **base}))
    (tmp_path / "10-a.json").write_text(json.dumps(base))
    result = gateway("check", str(tmp_path))
    assert result.returncode == 0
    assert result.stdout == (
        f"{tmp_path / '10-a.json'}: $: warning: never reached: {tmp_path / '00-all.json'} comes first and takes"
        " every request (its condition '${1 == 1}' is always true)\n"
    )
    assert "0 problem(s), 1 warning(s)" in result.stderr
