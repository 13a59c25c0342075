"""`gateway check --openig DIR` says per file whether it loads, is refused (and why), or fails, then counts."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.run import gateway
from tests.openig.harness import CORPUS_ENV


def _write(folder: Path, name: str, route: dict[str, object]) -> None:
    (folder / name).write_text(json.dumps(route), encoding="utf-8")


def test_the_report_sorts_files_into_loads_refused_and_fails(tmp_path: Path) -> None:
    _write(tmp_path, "10-ok.json", {"baseURI": "http://app:8080", "handler": "ClientHandler"})
    scripted = {"type": "ScriptableFilter", "config": {"type": "application/x-groovy", "file": "x.groovy"}}
    chain = {"type": "Chain", "config": {"filters": [scripted], "handler": "ClientHandler"}}
    _write(tmp_path, "20-groovy.json", {"handler": chain})
    _write(tmp_path, "30-typo.json", {"handler": {"type": "StaticResponseHandler", "config": {"stauts": 200}}})
    done = gateway("check", "--openig", str(tmp_path))
    lines = done.stdout.splitlines()
    assert done.returncode == 1
    assert "10-ok.json: loads" in lines
    assert "20-groovy.json: refused" in lines
    assert any("ScriptableFilter' is not supported: Groovy scripts are not run" in line for line in lines)
    assert "30-typo.json: fails" in lines
    assert any("stauts" in line for line in lines)
    assert lines[-1] == "3 file(s): 1 load, 1 refused, 1 fail"


def test_a_folder_that_all_loads_exits_zero(tmp_path: Path) -> None:
    _write(tmp_path, "10-ok.json", {"baseURI": "http://app:8080", "handler": "ClientHandler"})
    done = gateway("check", "--openig", str(tmp_path))
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "1 file(s): 1 load, 0 refused, 0 fail")


def test_the_corpus_loads_whole() -> None:
    corpus = Path(__file__).resolve().parents[1] / "openig" / "corpus"
    done = gateway("check", "--openig", str(corpus), env={**os.environ, **CORPUS_ENV})
    assert done.returncode == 0, done.stdout
