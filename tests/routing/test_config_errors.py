"""Every kind of route-file mistake is reported with its file, its JSON path and what is wrong."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.lint import check_paths

CLIENT = {"name": "proxy", "type": "ClientHandler"}


def chain(filters: list[Any], handler: Any = "ClientHandler") -> dict[str, Any]:
    return {"type": "Chain", "config": {"filters": filters, "handler": handler}}


def static(**config: Any) -> dict[str, Any]:
    return {"type": "StaticResponseHandler", "config": config}


def header(**config: Any) -> dict[str, Any]:
    return {"type": "HeaderFilter", "config": {"messageType": "REQUEST", **config}}


def dispatch(*bindings: dict[str, Any]) -> dict[str, Any]:
    return {"type": "DispatchHandler", "config": {"bindings": list(bindings)}}


@dataclass
class Mistake:
    """A route file with one mistake (or several), and what each report must say."""

    id: str
    route: dict[str, Any] | str
    expected: list[tuple[str, str]]  # (JSON path, key phrase)


MISTAKES = [
    Mistake("bad JSON", '{\n  "name": "x",\n  "handler": \n}', [("$", "invalid JSON at line 4 column 1")]),
    Mistake("empty file", "", [("$", "invalid JSON at line 1 column 1")]),
    Mistake("top level not an object", "[1, 2]", [("$", "must hold a JSON object")]),
    Mistake(
        "unknown top-level property",
        {"condtion": "${true}", "handler": "ClientHandler"},
        [("$.condtion", "unknown property 'condtion'; did you mean 'condition'?")],
    ),
    Mistake(
        "repeated property",
        '{"baseURI": "http://a", "handler": "ClientHandler", "handler": "ClientHandler"}',
        [("$.handler", "given twice")],
    ),
    Mistake("missing handler", {"name": "x"}, [("$.handler", "required property is missing")]),
    Mistake(
        "handler neither name nor object", {"handler": 5}, [("$.handler", "expected a heap object name or an inline")]
    ),
    Mistake(
        "unknown type",
        {"handler": {"type": "StaticResponseHandlr"}},
        [("$.handler.type", "did you mean 'StaticResponseHandler'?"), ("$.handler.type", "Chain, ClientHandler,")],
    ),
    Mistake("missing type", {"handler": {"config": {}}}, [("$.handler.type", "required property is missing")]),
    Mistake(
        "unknown config property",
        {"handler": static(stauts=200)},
        [("$.handler.config.stauts", "unknown property 'stauts'; did you mean 'status'?")],
    ),
    Mistake(
        "unknown heap object property",
        {"heap": [{**CLIENT, "conifg": {}}], "handler": "proxy"},
        [("$.heap[0].conifg", "did you mean 'config'?")],
    ),
    Mistake(
        "wrong value type",
        {"handler": static(status="abc")},
        [("$.handler.config.status", 'valid integer, unable to parse string as an integer (got "abc")')],
    ),
    Mistake(
        "value out of range",
        {"handler": static(status=999)},
        [("$.handler.config.status", "less than or equal to 599")],
    ),
    Mistake(
        "config not an object",
        {"handler": {"type": "Chain", "config": 5}},
        [("$.handler.config", "expected a JSON object (got 5)")],
    ),
    Mistake(
        "header value neither string nor list",
        {"handler": static(headers={"X-A": 5})},
        [("$.handler.config.headers.X-A", "expected a string or a list of strings")],
    ),
    Mistake(
        "bad expression",
        {"condition": "${request.uri.path == }", "handler": "ClientHandler"},
        [("$.condition", "unexpected end of expression at column 22")],
    ),
    Mistake(
        "unknown name in an expression",
        {"condition": "${requst.uri.path == '/'}", "handler": "ClientHandler"},
        [("$.condition", "unknown name 'requst' at column 2; did you mean 'request'?")],
    ),
    Mistake(
        "unknown function in an expression",
        {"handler": static(entity="${upper(request.method)}")},
        [("$.handler.config.entity", "unknown function 'upper' at column 2")],
    ),
    Mistake(
        "invalid regex literal in matches()",
        {"condition": "${matches(request.uri.path, '^/(a')}", "handler": "ClientHandler"},
        [("$.condition", "invalid regular expression at column 28")],
    ),
    Mistake(
        "bad duration",
        {"heap": [{**CLIENT, "config": {"soTimeout": "10 q"}}], "handler": "proxy"},
        [("$.heap[0].config.soTimeout", '"10 q" is not a duration')],
    ),
    Mistake(
        "negative duration",
        {"heap": [{**CLIENT, "config": {"connectionTimeout": "-5 s"}}], "handler": "proxy"},
        [("$.heap[0].config.connectionTimeout", "negative")],
    ),
    Mistake(
        "negative duration in seconds",
        {"heap": [{**CLIENT, "config": {"soTimeout": -5}}], "handler": "proxy"},
        [("$.heap[0].config.soTimeout", "negative")],
    ),
    Mistake(
        "duration of the wrong type",
        {"heap": [{**CLIENT, "config": {"soTimeout": True}}], "handler": "proxy"},
        [("$.heap[0].config.soTimeout", 'expected a duration such as "10 s" or a number of seconds (got true)')],
    ),
    Mistake(
        "dangling reference",
        {"heap": [{"name": "myChain", "type": "Chain", "config": {"handler": "ClientHandler"}}], "handler": "myChian"},
        [("$.handler", "no heap object named 'myChian'; did you mean 'myChain'?")],
    ),
    Mistake(
        "reference cycle through a handler",
        {
            "heap": [
                {"name": "a", "type": "Chain", "config": {"handler": "b"}},
                {"name": "b", "type": "Chain", "config": {"handler": "a"}},
            ],
            "handler": "a",
        },
        [("$.heap[1].config.handler", "reference cycle: a -> b -> a")],
    ),
    Mistake(
        "reference cycle through a filter list",
        {"heap": [{"name": "a", **chain(["a"])}], "handler": "a"},
        [("$.heap[0].config.filters[0]", "reference cycle: a -> a")],
    ),
    Mistake(
        "duplicate heap names",
        {"heap": [CLIENT, CLIENT], "handler": "proxy"},
        [("$.heap[1].name", "duplicate heap object name 'proxy' (first at $.heap[0])")],
    ),
    Mistake("heap not a list", {"heap": {"a": 1}, "handler": "ClientHandler"}, [("$.heap", "valid list")]),
    Mistake(
        "heap object without a name",
        {"heap": [{"type": "ClientHandler"}], "handler": "ClientHandler"},
        [("$.heap[0].name", "required property is missing")],
    ),
    Mistake(
        "filter used as a handler",
        {"heap": [{"name": "tag", **header()}], "handler": "tag"},
        [("$.handler", "expected a handler, but 'tag' is a HeaderFilter (a filter)")],
    ),
    Mistake(
        "handler used as a filter",
        {"handler": chain(["ClientHandler"])},
        [("$.handler.config.filters[0]", "expected a filter, but 'ClientHandler' is a ClientHandler (a handler)")],
    ),
    Mistake(
        "bad messageType",
        {"handler": chain([header(messageType="BOTH")])},
        [("$.handler.config.filters[0].config.messageType", "'REQUEST', 'RESPONSE'")],
    ),
    Mistake(
        "baseURI without a scheme", {"baseURI": "ftp//nope", "handler": "ClientHandler"}, [("$.baseURI", "absolute")]
    ),
    Mistake(
        "baseURI with a query",
        {"baseURI": "http://app:8080/path?x=1", "handler": "ClientHandler"},
        [("$.baseURI", "no query or fragment")],
    ),
    Mistake(
        "DispatchHandler binding errors",
        {
            "handler": dispatch(
                {"condition": "${foo}", "handler": "nope", "baseURI": "x"},
                {"handler": header()},
            )
        },
        [
            ("$.handler.config.bindings[0].condition", "unknown name 'foo'"),
            ("$.handler.config.bindings[0].handler", "no heap object named 'nope'"),
            ("$.handler.config.bindings[0].baseURI", "absolute"),
            ("$.handler.config.bindings[1].handler", "expected a handler"),
        ],
    ),
    Mistake(
        "DispatchHandler binding shape",
        {"handler": dispatch({"handler": "ClientHandler"}, {"hndler": "ClientHandler"})},
        [
            ("$.handler.config.bindings[1].hndler", "did you mean 'handler'?"),
            ("$.handler.config.bindings[1].handler", "required property is missing"),
        ],
    ),
    Mistake(
        "DispatchHandler bindings not a list",
        {"handler": {"type": "DispatchHandler", "config": {"bindings": "x"}}},
        [("$.handler.config.bindings", "valid list")],
    ),
    Mistake(
        "an error deep inside inline objects",
        {"handler": chain([header(add={"X-M": ["${requst.method}"]})], static(stauts=1))},
        [
            ("$.handler.config.filters[0].config.add.X-M[0]", "unknown name 'requst'"),
            ("$.handler.config.handler.config.stauts", "did you mean 'status'?"),
        ],
    ),
    Mistake(
        "a bad key does not hide a problem in another key of the same object",
        {"handler": static(stauts=200, entity="${requst.method}")},
        [
            ("$.handler.config.stauts", "did you mean 'status'?"),
            ("$.handler.config.entity", "unknown name 'requst'"),
        ],
    ),
    Mistake(
        "a bad top-level key does not hide the problems of the rest",
        {"condtion": "${true}", "handler": static(entity="${requst.method}")},
        [
            ("$.condtion", "did you mean 'condition'?"),
            ("$.handler.config.entity", "unknown name 'requst'"),
        ],
    ),
    Mistake(
        "several problems in one file",
        {
            "baseURI": "nope",
            "condition": "${request.uri.path ==}",
            "heap": [{"name": "c", "type": "ClientHandlr"}, {**CLIENT, "config": {"soTimeout": "10 q"}}],
            "handler": "missing",
        },
        [
            ("$.condition", "unexpected end of expression"),
            ("$.baseURI", "absolute"),
            ("$.heap[0].type", "did you mean 'ClientHandler'?"),
            ("$.heap[1].config.soTimeout", "is not a duration"),
            ("$.handler", "no heap object named 'missing'"),
        ],
    ),
]


def _write(folder: Path, name: str, route: dict[str, Any] | str) -> Path:
    path = folder / name
    if isinstance(route, dict) and "baseURI" not in route:
        route = {**route, "baseURI": "http://app:8080"}  # a ClientHandler needs somewhere to send
    path.write_text(route if isinstance(route, str) else json.dumps(route, indent=2))
    return path


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_each_mistake_is_reported_with_file_path_and_reason(tmp_path: Path, mistake: Mistake) -> None:
    file = _write(tmp_path, "20-broken.json", mistake.route)
    reports = [str(e) for e in check_paths([file], None)]
    for path, phrase in mistake.expected:
        wanted = f"{file}: {path}: "
        assert any(r.startswith(wanted) and phrase in r for r in reports), f"{wanted}…{phrase} not in {reports}"
    assert len(reports) == len({path for path, _ in mistake.expected}), reports


def test_duplicate_route_names_across_files_name_both_files(tmp_path: Path) -> None:
    first = _write(tmp_path, "10-a.json", {"name": "same", "handler": "ClientHandler"})
    second = _write(tmp_path, "20-b.json", {"name": "same", "handler": "ClientHandler"})
    reports = [str(e) for e in check_paths([tmp_path], None)]
    assert reports == [f"{second}: $.name: route name 'same' is already used by {first}"]


def test_a_global_heap_mistake_names_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("heap:\n  - name: upstream\n    type: ClientHandler\n    config: {soTimeout: 10 q}\n")
    reports = [str(e) for e in check_paths([tmp_path], config)]
    assert reports == [
        f'{config}: $.heap[0].config.soTimeout: "10 q" is not a duration (e.g. "10 s", "500 ms", "1 minute")'
    ]


def test_a_route_may_refer_to_the_global_heap(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("heap:\n  - name: upstream\n    type: ClientHandler\n")
    _write(tmp_path, "10-a.json", {"handler": "upstream"})
    _write(tmp_path, "20-b.json", {"handler": "upstrem"})
    reports = [str(e) for e in check_paths([tmp_path], config)]
    assert reports == [f"{tmp_path / '20-b.json'}: $.handler: no heap object named 'upstrem'; did you mean 'upstream'?"]
