"""`gateway serve` flags and config file: defaults, overrides, environment variables, and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import _parser, settings_from_args
from gateway.errors import ConfigErrors
from gateway.settings import Settings


def settings(*argv: str) -> Settings:
    return settings_from_args(_parser().parse_args(["serve", *argv]))


def errors(*argv: str) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        settings(*argv)
    return [str(e) for e in caught.value.errors]


def test_without_config_or_flags_it_serves_routes_on_8080_with_admin_on_loopback() -> None:
    plain = settings()
    assert (plain.routes, plain.listen, plain.admin.listen, plain.workers) == (
        "routes",
        "0.0.0.0:8080",
        "127.0.0.1:8081",
        1,
    )
    assert plain.source is None


def test_flags_override_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("listen: 127.0.0.1:9000\nadmin: {listen: 127.0.0.1:9001}\nroutes: from-file\nworkers: 3\n")
    from_file = settings("--config", str(config))
    assert (from_file.listen, from_file.admin.listen, from_file.routes, from_file.workers) == (
        "127.0.0.1:9000",
        "127.0.0.1:9001",
        "from-file",
        3,
    )
    flagged = settings(
        "--config",
        str(config),
        "--listen",
        "127.0.0.1:7000",
        "--admin",
        "127.0.0.1:7001",
        "--routes",
        "r",
        "--workers",
        "2",
    )
    assert (flagged.listen, flagged.admin.listen, flagged.routes, flagged.workers) == (
        "127.0.0.1:7000",
        "127.0.0.1:7001",
        "r",
        2,
    )
    assert flagged.source == str(config)


def test_a_flag_keeps_the_rest_of_its_section(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("listen: 127.0.0.1:9000\n")
    assert settings("--config", str(config), "--admin", "127.0.0.1:7001").listen == "127.0.0.1:9000"


def test_environment_variables_and_defaults_are_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_TEST_PORT", "9100")
    monkeypatch.delenv("GATEWAY_TEST_ROUTES", raising=False)
    config = tmp_path / "gateway.yaml"
    config.write_text("listen: 127.0.0.1:${GATEWAY_TEST_PORT}\nroutes: ${GATEWAY_TEST_ROUTES:-fallback}\n")
    expanded = settings("--config", str(config))
    assert (expanded.listen, expanded.routes) == ("127.0.0.1:9100", "fallback")


def test_an_unset_variable_without_default_is_an_error_at_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAY_TEST_MISSING", raising=False)
    config = tmp_path / "gateway.yaml"
    config.write_text("capture:\n  dir: ${GATEWAY_TEST_MISSING}\n")
    assert errors("--config", str(config)) == [
        f"{config}: $.capture.dir: environment variable GATEWAY_TEST_MISSING is not set"
        " (write ${GATEWAY_TEST_MISSING:-default} to give a default)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("listn: 1.2.3.4:80\n", "$.listn: unknown property 'listn'; did you mean 'listen'?"),
        ("listen: nowhere\n", "$.listen: 'nowhere' is not HOST:PORT"),
        ("admin: {listen: 127.0.0.1:99999}\n", "$.admin.listen: '127.0.0.1:99999' is not HOST:PORT"),
        ("workers: many\n", "$.workers: Input should be a valid integer"),
        ("trustedProxies: [not-a-net]\n", "$.trustedProxies: 'not-a-net' is not an address or CIDR"),
        ("listen: [unclosed\n", "$: invalid YAML at line 2 column 1"),
        ("- a list\n", "$: the config must be a mapping of settings"),
        ("heap:\n  - {name: up, type: ClientHandlr}\n", None),
    ],
)
def test_config_errors_name_the_file_and_path(tmp_path: Path, text: str, expected: str | None) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(text)
    if expected is None:  # the global heap is checked when the gateway starts (see test_startup_errors)
        assert settings("--config", str(config)).heap
        return
    reports = errors("--config", str(config))
    assert any(r.startswith(f"{config}: {expected}") for r in reports), reports


def test_a_bad_flag_is_blamed_on_the_command_line() -> None:
    assert errors("--workers", "0") == ["command line: $.workers: Input should be greater than or equal to 1"]
    assert errors("--listen", "nowhere")[0].startswith("command line: $.listen: 'nowhere' is not HOST:PORT")


def test_a_missing_config_file_is_an_error() -> None:
    assert errors("--config", "no/such/gateway.yaml")[0].startswith("no/such/gateway.yaml: $: cannot read the config")
