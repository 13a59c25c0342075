"""`gateway check PATH...`: every problem as `FILE: $.json.path: message`, exit 1 if any, 0 otherwise."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.run import ROOT, gateway


def test_the_example_routes_pass_with_the_demo_config() -> None:
    result = gateway("check", "--config", "demo/gateway.yaml", "routes")
    assert (result.returncode, result.stdout) == (0, "")
    assert "ok" in result.stderr


def test_every_problem_of_every_file_is_printed_and_the_exit_code_is_1(tmp_path: Path) -> None:
    good = {"condition": "${request.uri.path == '/good'}", "baseURI": "http://app:8080", "handler": "ClientHandler"}
    (tmp_path / "10-good.json").write_text(json.dumps(good))
    (tmp_path / "20-bad.json").write_text(
        json.dumps({"condition": "${request.uri.path ==}", "handler": {"type": "Chian"}})
    )
    (tmp_path / "30-worse.json").write_text("{")
    result = gateway("check", str(tmp_path))
    assert result.returncode == 1
    bad, worse = tmp_path / "20-bad.json", tmp_path / "30-worse.json"
    expected = [
        f"{bad}: $.condition: invalid expression '${{request.uri.path ==}}': unexpected end of expression at column 21",
        f"{bad}: $.handler.type: unknown type 'Chian'; did you mean 'Chain'? (known types: ",
        f"{worse}: $: invalid JSON: the file ends before the object opened at line 1 column 1 is closed",
        # A file whose condition is unknown answers 503 to everything after it.
        f"{worse}: $: warning: never reached: {bad} comes first and takes every request (its condition is unknown",
    ]
    lines = result.stdout.splitlines()
    assert len(lines) == len(expected)
    assert all(line.startswith(prefix) for line, prefix in zip(lines, expected, strict=True)), lines
    assert "3 problem(s), 1 warning(s)" in result.stderr


def test_files_and_folders_may_be_mixed_and_a_missing_one_is_a_problem(tmp_path: Path) -> None:
    good = tmp_path / "10-good.json"
    good.write_text(json.dumps({"baseURI": "http://app:8080", "handler": "ClientHandler"}))
    result = gateway(
        "check",
        "--config",
        str(ROOT / "demo" / "gateway.yaml"),
        str(good),
        str(ROOT / "routes"),
        str(tmp_path / "nope.json"),
    )
    assert result.returncode == 1
    assert result.stdout == f"{tmp_path / 'nope.json'}: $: no such file or folder\n"


def test_without_paths_it_checks_the_routes_folder_of_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "routes").mkdir()
    (tmp_path / "routes" / "10-a.json").write_text(json.dumps({"handler": "Nope"}))
    result = gateway("check", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("routes/10-a.json: $.handler: no heap object named 'Nope'")


def test_config_is_checked_with_its_global_heap(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("heap:\n  - name: upstream\n    type: ClientHandler\n    config: {soTimeout: 10 q}\n")
    result = gateway("check", "--config", str(config), "routes")
    assert result.returncode == 1
    assert (
        result.stdout
        == f'{config}: $.heap[0].config.soTimeout: "10 q" is not a duration (e.g. "10 s", "500 ms", "1 minute")\n'
    )


def test_routes_may_use_the_global_heap_of_the_config(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("heap:\n  - {name: upstream, type: ClientHandler}\n")
    (tmp_path / "10-a.json").write_text(json.dumps({"baseURI": "http://app:8080", "handler": "upstream"}))
    assert gateway("check", "--config", str(config), str(tmp_path)).returncode == 0
    assert gateway("check", str(tmp_path)).returncode == 1


def test_a_file_with_five_distinct_mistakes_prints_five_messages(tmp_path: Path) -> None:
    route = {
        "condtion": "${true}",
        "baseURI": "app:8080",
        "heap": [
            {"name": "up", "type": "ClientHandlr"},
            {"name": "slow", "type": "ClientHandler", "config": {"soTimeout": "10 q"}},
        ],
        "handler": {"type": "Chain", "config": {"filters": [], "handler": "upstream"}},
    }
    (tmp_path / "10-five.json").write_text(json.dumps(route))
    result = gateway("check", str(tmp_path))
    assert result.returncode == 1
    paths = [line.split(": ")[1] for line in result.stdout.splitlines()]
    expected = ["$.condtion", "$.baseURI", "$.heap[0].type", "$.heap[1].config.soTimeout", "$.handler.config.handler"]
    assert sorted(paths) == sorted(expected)
    assert "5 problem(s)" in result.stderr


def test_a_file_that_is_not_utf8_is_a_problem_as_when_serving(tmp_path: Path) -> None:
    (tmp_path / "10-latin1.json").write_bytes(b'{"handler": "ClientHandler", "comment": "caf\xe9"}')
    result = gateway("check", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{tmp_path / '10-latin1.json'}: $: cannot read the file: 'utf-8' codec")
