"""The PolicyDecisionPoint's file is hot-reloaded: a change takes effect within 2 s, a broken file
keeps the last good policies serving and says why, and load errors carry the file and JSON path."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

from gateway.cli import main
from gateway.errors import ConfigErrors
from gateway.oauth.authzen import Evaluation
from gateway.policy.builtin import PolicyDecisionPoint, load_engine
from gateway.services import Services
from gateway.settings import Settings
from tests.policy.conftest import GATEWAY_POLICIES, pdp_object
from tests.support.gateway import running_gateway

BETH = "CiRmZDM2MTRkMy1jMzlhLTQ3ODEtYjdiZC04Yjk2ZjVhNTEwMGQSBWxvY2Fs"


def _question(method: str) -> Evaluation:
    return Evaluation({"type": "identity", "id": BETH}, {"name": method}, {"type": "route", "id": "/todos"})


async def _until(predicate: object, timeout: float = 2.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await predicate():  # type: ignore[operator]
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    raise AssertionError("not within the deadline")


async def test_a_policy_change_takes_effect_within_two_seconds(tmp_path: Path, routes_dir: Path) -> None:
    file = tmp_path / "policies.yaml"
    shutil.copy(GATEWAY_POLICIES, file)
    async with running_gateway(routes_dir, heap=[pdp_object(file, listen=None, tokens=[])]) as gateway:
        pdp = gateway.runtime.heap.typed("pdp", "$", gateway.runtime.heap.ctx, PolicyDecisionPoint)
        assert not (await pdp.evaluate(_question("POST"))).allowed
        await asyncio.sleep(0.2)  # the watcher is running
        text = file.read_text().replace("contains: editor", "contains: viewer")
        file.write_text(text)

        async def permitted() -> bool:
            return (await pdp.evaluate(_question("POST"))).allowed

        await _until(permitted)


async def test_a_broken_file_keeps_the_last_good_policies_and_says_why(tmp_path: Path, routes_dir: Path) -> None:
    file = tmp_path / "policies.yaml"
    shutil.copy(GATEWAY_POLICIES, file)
    async with running_gateway(routes_dir, heap=[pdp_object(file, listen=None, tokens=[])]) as gateway:
        pdp = gateway.runtime.heap.typed("pdp", "$", gateway.runtime.heap.ctx, PolicyDecisionPoint)
        await asyncio.sleep(0.2)
        file.write_text(file.read_text().replace("actions: {GET: allow}", "actions: {GET: maybe}"))

        async def rejected() -> bool:
            return bool(pdp.problems)

        await _until(rejected)
        assert "$.policySets[0].policies[0].actions.GET" in str(pdp.problems[0])
        assert (await pdp.evaluate(_question("GET"))).allowed


PROBLEMS = [
    ("actions: {GET: allow}", "actions: {GET: maybe}", "$.policySets[0].policies[0].actions.GET"),
    ("actions: {GET: allow}", "actions: {FETCH: allow}", "$.policySets[0].policies[0].actions.FETCH"),
    ("resourceTypes: [route]", "resourceTypes: [rout]", "$.policySets[0].resourceTypes[0]"),
    ('"/todos", "/todos/{todoId}"]\n    actions', '"/todos/**/x"]\n    actions', "$.resourceTypes.route.patterns[1]"),
    ("subjects: [{authenticated: true}]", f"subjects: [{{}}]\n{' ' * 8}conditions: [{{expression: '${{nope}}'}}]",
     "$.policySets[0].policies[0].conditions[0]"),
    ("policySets:", "policySets: 3\nx:", "$.policySets"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "path"), PROBLEMS)
def test_a_bad_policy_file_names_the_file_and_json_path(tmp_path: Path, old: str, new: str, path: str) -> None:
    file = tmp_path / "policies.yaml"
    text = GATEWAY_POLICIES.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigErrors) as caught:
        load_engine(file, Services(settings=Settings()))
    assert any(e.path == path and e.file == str(file) for e in caught.value.errors), caught.value.errors


def test_gateway_check_lists_every_problem_of_a_policy_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "policies.yaml"
    text = GATEWAY_POLICIES.read_text().replace("resourceTypes: [route]", "resourceTypes: [rout]")
    file.write_text(text.replace("actions: {GET: allow}", "actions: {FETCH: allow}"))
    assert main(["check", str(file)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert f"{file}: $.policySets[0].resourceTypes[0]: unknown resource type 'rout' (known: route)" in lines
    assert any(line.startswith(f"{file}: $.policySets[0].policies[0].actions.FETCH: unknown action") for line in lines)
    assert main(["check", str(GATEWAY_POLICIES)]) == 0


def test_gateway_schema_describes_the_policy_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--policies"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.validate(yaml.safe_load(GATEWAY_POLICIES.read_text()), schema)
    assert "policySets" in schema["required"]


def test_the_readme_policy_example_compiles(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in readme.split("```yaml\n")[1:]]
    example = next(block for block in blocks if block.startswith("# policies/todo.yaml"))
    file = tmp_path / "todo.yaml"
    file.write_text(example)
    assert main(["check", str(file)]) == 0
