"""The built-in PDP over HTTP answers every Todo interop case (40 single, 3 batch) and the metadata
and error cases of AuthZEN 1.0 §9-§10."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.policy.conftest import PDP_TOKEN, vectors
from tests.support.gateway import GatewayHandle

TODO = vectors("todo-decisions-authorization-api-1_0-02.json")
AUTH = {"Authorization": f"Bearer {PDP_TOKEN}"}


async def _post(http: aiohttp.ClientSession, url: str, body: Any, headers: dict[str, str] = AUTH) -> tuple[int, Any]:
    async with http.post(url, json=body, headers=headers) as response:
        return response.status, await response.json()


async def test_every_single_todo_case_is_answered_as_expected(
    todo_pdp: tuple[GatewayHandle, str], http: aiohttp.ClientSession
) -> None:
    _, url = todo_pdp
    wrong = []
    for case in TODO["evaluation"]:
        status, body = await _post(http, f"{url}/access/v1/evaluation", case["request"])
        if status != 200 or body["decision"] is not case["expected"]:
            wrong.append((case["request"], status, body))
    assert len(TODO["evaluation"]) == 40
    assert wrong == []


async def test_every_batch_todo_case_is_answered_in_request_order(
    todo_pdp: tuple[GatewayHandle, str], http: aiohttp.ClientSession
) -> None:
    _, url = todo_pdp
    assert len(TODO["evaluations"]) == 3
    for case in TODO["evaluations"]:
        status, body = await _post(http, f"{url}/access/v1/evaluations", case["request"])
        assert status == 200
        assert [{"decision": item["decision"]} for item in body["evaluations"]] == case["expected"]


def _morty_batch(semantic: str) -> dict[str, Any]:
    """Morty (an editor) may not update Rick's todo but may update his own."""
    case = TODO["evaluations"][1]["request"]
    return case | {"options": {"evaluations_semantic": semantic}}


@pytest.mark.parametrize(
    ("semantic", "expected"),
    [("execute_all", [False, True]), ("deny_on_first_deny", [False]), ("permit_on_first_permit", [False, True])],
)
async def test_batch_semantics_stop_at_the_deciding_item(
    todo_pdp: tuple[GatewayHandle, str], http: aiohttp.ClientSession, semantic: str, expected: list[bool]
) -> None:
    _, url = todo_pdp
    status, body = await _post(http, f"{url}/access/v1/evaluations", _morty_batch(semantic))
    assert status == 200
    assert [item["decision"] for item in body["evaluations"]] == expected


async def test_permit_on_first_permit_stops_after_the_first_permit(
    todo_pdp: tuple[GatewayHandle, str], http: aiohttp.ClientSession
) -> None:
    _, url = todo_pdp
    request = _morty_batch("permit_on_first_permit")
    request["evaluations"] = list(reversed(request["evaluations"]))
    status, body = await _post(http, f"{url}/access/v1/evaluations", request)
    assert (status, [item["decision"] for item in body["evaluations"]]) == (200, [True])


async def test_metadata_is_found_by_inserting_the_well_known_path(
    todo_pdp: tuple[GatewayHandle, str], http: aiohttp.ClientSession
) -> None:
    _, url = todo_pdp
    async with http.get(f"{url}/.well-known/authzen-configuration") as response:
        assert response.status == 200
        doc = await response.json()
    assert doc == {
        "policy_decision_point": url,
        "access_evaluation_endpoint": f"{url}/access/v1/evaluation",
        "access_evaluations_endpoint": f"{url}/access/v1/evaluations",
    }


GOOD = TODO["evaluation"][0]["request"]
BAD_REQUESTS = [
    ("not JSON", b"{nope"),
    ("not an object", b"[1]"),
    ("no subject", {k: v for k, v in GOOD.items() if k != "subject"}),
    ("no action", {k: v for k, v in GOOD.items() if k != "action"}),
    ("no resource", {k: v for k, v in GOOD.items() if k != "resource"}),
    ("subject without id", GOOD | {"subject": {"type": "user"}}),
    ("action without name", GOOD | {"action": {}}),
    ("context not an object", GOOD | {"context": []}),
]


@pytest.mark.parametrize(("what", "body"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
async def test_a_malformed_request_is_400(
    todo_pdp: tuple[GatewayHandle, str], http: aiohttp.ClientSession, what: str, body: Any
) -> None:
    _, url = todo_pdp
    raw = body if isinstance(body, bytes) else None
    kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": body}
    async with http.post(f"{url}/access/v1/evaluation", headers=AUTH, **kwargs) as response:
        assert response.status == 400
        assert "error" in await response.json()


async def test_a_batch_with_an_unknown_semantic_is_400(
    todo_pdp: tuple[GatewayHandle, str], http: aiohttp.ClientSession
) -> None:
    _, url = todo_pdp
    status, body = await _post(http, f"{url}/access/v1/evaluations", _morty_batch("whatever"))
    assert status == 400 and "evaluations_semantic" in body["error"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {PDP_TOKEN}"}])
async def test_no_valid_token_is_401(
    todo_pdp: tuple[GatewayHandle, str], http: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    _, url = todo_pdp
    for path in ("/access/v1/evaluation", "/access/v1/evaluations"):
        async with http.post(f"{url}{path}", json=GOOD, headers=headers) as response:
            assert response.status == 401
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_the_request_id_is_echoed(todo_pdp: tuple[GatewayHandle, str], http: aiohttp.ClientSession) -> None:
    _, url = todo_pdp
    async with http.post(f"{url}/access/v1/evaluation", json=GOOD, headers=AUTH | {"X-Request-ID": "r-42"}) as response:
        assert response.headers["X-Request-ID"] == "r-42"
