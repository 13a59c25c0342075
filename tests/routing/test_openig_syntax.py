"""Route files as OpenIG's parser takes them: comments, single-quoted strings, raw line breaks inside
strings, trailing commas; errors keep the line and column of the file as written."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from gateway.lint import check_paths
from gateway.routing.json5text import prepared
from gateway.routing.source import parse_json
from tests.support.fixtures import seen_headers
from tests.support.gateway import running_gateway
from tests.support.upstream import Upstream

# Written as OpenIG route authors write them: a long condition over several lines, notes in comments.
OPENIG_STYLE = """{
  // Everything under /legacy goes to the old app.
  'name': 'legacy',
  "baseURI": "%s",
  "condition": "${startsWith(request.uri.path, '/legacy')
                 and request.method == 'GET'}",
  /* A header the old app expects,
     "quoted" in a comment. */
  "handler": {
    type: "Chain",
    "config": {
      "filters": [{
        "type": 'HeaderFilter',
        "config": {"messageType": "REQUEST", "add": {"X-Note": ['one // not a comment']}},
      }],
      "handler": "ClientHandler",
    },
  },
}
"""


async def test_an_openig_style_file_loads_and_serves(
    routes_dir: Path, upstream: Upstream, http: aiohttp.ClientSession
) -> None:
    (routes_dir / "10-legacy.json").write_text(OPENIG_STYLE % upstream.url)
    async with running_gateway(routes_dir) as gateway:
        async with http.get(f"{gateway.url}/legacy/page") as response:
            assert response.status == 200
            assert seen_headers(await response.read(), "X-Note") == ["one // not a comment"]
        async with http.post(f"{gateway.url}/legacy/page") as response:
            assert response.status == 404


def test_a_raw_line_break_is_a_newline_in_the_value() -> None:
    data, errors = parse_json("{'a': 'one\ntwo', /* 'b': 1 */ \"c\": \"x\r\ny\"}", "f.json")
    assert (data, errors) == ({"a": "one\ntwo", "c": "x\ny"}, [])


def test_plain_json_with_a_raw_line_break_is_read_too() -> None:
    assert parse_json('{"a": "one\ntwo"}', "f.json") == ({"a": "one\ntwo"}, [])


def test_escaping_keeps_every_line_and_column() -> None:
    text = "{'a': 'one\ntwo\nthree', // c\n 'b': 1}"
    assert [line.rstrip("\\") for line in prepared(text).split("\n")] == [
        "{'a': 'one\\n",
        "two\\n",
        "three', // c",
        " 'b': 1}",
    ]


def test_a_syntax_error_names_its_line_and_column_in_the_file_as_written(tmp_path: Path) -> None:
    file = tmp_path / "10-bad.json"
    file.write_text("{\n  // note\n  'condition': '${true\n  }',\n  'handler': ClientHandler\n}\n")
    assert [str(e) for e in check_paths([file], None)] == [
        f"{file}: $: invalid JSON at line 5 column 14: Expected JSON5Value, found 'C'"
    ]


def test_a_repeated_key_is_reported_by_path_in_an_openig_style_file(tmp_path: Path) -> None:
    file = tmp_path / "10-twice.json"
    chain = "{type: 'Chain', config: {filters: [], handler: 'ClientHandler', 'filters': []}}"
    file.write_text(f"{{baseURI: 'http://app:8080', handler: {chain}}}")
    assert [str(e) for e in check_paths([file], None)] == [
        f"{file}: $.handler.config.filters: property 'filters' is given twice"
    ]


def test_an_unclosed_object_names_where_it_opened() -> None:
    _, errors = parse_json("// a route\n{'handler': {\n", "f.json")
    assert [e.message for e in errors] == [
        "invalid JSON: the file ends before the object opened at line 2 column 13 is closed"
    ]
