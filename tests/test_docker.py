"""The Dockerfile, checked without Docker: base image, user, copied paths, config and the command it runs."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.cli import _parser, settings_from_args
from gateway.errors import ConfigErrors

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Instruction:
    """One Dockerfile instruction, with the heredoc body it carries, if any."""

    keyword: str
    args: str
    heredoc: str | None = None


def parse(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and heredocs collected; comments dropped."""
    out: list[Instruction] = []
    lines = iter(text.splitlines())
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.endswith("\\"):
            line = line[:-1] + " " + next(lines).strip()
        keyword, _, args = line.strip().partition(" ")
        instruction = Instruction(keyword.upper(), args.strip())
        marker = re.search(r"<<-?[\"']?(\w+)[\"']?", args)
        if marker:
            body = []
            for inner in lines:
                if inner.strip() == marker.group(1):
                    break
                body.append(inner)
            instruction.heredoc = "\n".join(body) + "\n"
        out.append(instruction)
    return out


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse((ROOT / "Dockerfile").read_text())


def _all(instructions: list[Instruction], keyword: str) -> list[Instruction]:
    return [i for i in instructions if i.keyword == keyword]


def _ignored(path: str) -> bool:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()]
    return any(p and not p.startswith("#") and fnmatch.fnmatch(path, p) for p in patterns)


def test_the_base_image_is_python_311_slim(instructions: list[Instruction]) -> None:
    bases = [i.args.split()[0] for i in _all(instructions, "FROM")]
    assert len(bases) == 1 and re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", bases[0]), bases


def test_every_copied_path_exists_and_is_not_ignored(instructions: list[Instruction]) -> None:
    copies = [i for i in _all(instructions, "COPY") if i.heredoc is None]
    assert copies
    for copy in copies:
        parts = [p for p in copy.args.split() if not p.startswith("--")]
        for source in parts[:-1]:
            assert (ROOT / source).exists(), f"COPY {source}: no such path"
            assert not _ignored(source), f"COPY {source}: excluded by .dockerignore"


def test_the_process_runs_as_a_user_that_is_not_root(instructions: list[Instruction]) -> None:
    users = _all(instructions, "USER")
    assert users, "no USER: the gateway would run as root"
    assert users[-1].args.split(":")[0] not in ("root", "0")


def test_the_main_port_is_exposed_and_the_admin_port_is_not(instructions: list[Instruction]) -> None:
    exposed = {port for i in _all(instructions, "EXPOSE") for port in i.args.split()}
    assert exposed == {"8080"}


def test_the_entrypoint_is_the_console_script(instructions: list[Instruction]) -> None:
    (entrypoint,) = _all(instructions, "ENTRYPOINT")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert json.loads(entrypoint.args) == ["gateway"]
    assert scripts["gateway"] == "gateway.cli:main"


def _default_config(instructions: list[Instruction], tmp_path: Path) -> Path:
    (config,) = [i for i in _all(instructions, "COPY") if i.heredoc and i.args.endswith("/config/gateway.yaml")]
    assert config.heredoc is not None
    path = tmp_path / "gateway.yaml"
    path.write_text(config.heredoc)
    return path


def test_the_command_is_a_valid_serve_invocation(
    instructions: list[Instruction], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cmd,) = _all(instructions, "CMD")
    args = _parser().parse_args(json.loads(cmd.args))
    assert (args.command, str(args.config), args.routes) == ("serve", "/config/gateway.yaml", "/routes")
    monkeypatch.delenv("GATEWAY_ADMIN", raising=False)
    args.config = _default_config(instructions, tmp_path)
    settings = settings_from_args(args)
    assert (settings.listen, settings.routes, settings.state) == ("0.0.0.0:8080", "/routes", "/state")
    assert settings.admin.listen == "127.0.0.1:8081", "the admin listener is published only when asked"


def test_the_operator_can_publish_the_admin_listener(
    instructions: list[Instruction], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_ADMIN", "0.0.0.0:8081")
    args = _parser().parse_args(["serve", "--config", str(_default_config(instructions, tmp_path))])
    assert settings_from_args(args).admin.listen == "0.0.0.0:8081"


def test_the_parser_rejects_what_the_command_must_not_be() -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--confg", "/config/gateway.yaml"])
    with pytest.raises(ConfigErrors):
        settings_from_args(_parser().parse_args(["serve", "--config", "/no/such/gateway.yaml"]))
