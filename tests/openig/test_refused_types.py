"""OpenIG types the gateway does not run are refused by name, with the reason and what to use instead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.heap.refused import REFUSED
from gateway.lint import check_paths


@pytest.mark.parametrize("type_name", sorted(REFUSED))
def test_a_refused_type_says_it_is_not_supported_and_why(type_name: str, tmp_path: Path) -> None:
    route = {
        "handler": {
            "type": "Chain",
            "config": {"filters": [{"type": type_name, "config": {}}], "handler": "ClientHandler"},
        }
    }
    if type_name.endswith("Handler"):
        route = {"handler": {"type": type_name, "config": {}}}
    (tmp_path / "10-r.json").write_text(json.dumps(route), encoding="utf-8")
    messages = [str(problem) for problem in check_paths([tmp_path], None)]
    assert any(f"type '{type_name}' is not supported: " in m for m in messages), messages
    assert not any("unknown type" in m for m in messages), messages
    assert any(REFUSED[type_name] in m for m in messages)
