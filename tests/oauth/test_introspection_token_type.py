"""The introspection `token_type` rule: Bearer in any case passes; another type never does; a
missing one only where the route allows it."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.oauth.errors import BadTokenType
from gateway.oauth.introspection import check_token_type

BEARER_SPELLINGS = ["Bearer", "bearer", "BEARER"]
OTHER_TYPES: list[Any] = ["refresh_token", "DPoP", "N_A", "", "Bearer ", 1, True, ["Bearer"]]


@pytest.mark.parametrize("required", [True, False])
@pytest.mark.parametrize("token_type", BEARER_SPELLINGS)
def test_bearer_in_any_case_passes(token_type: str, required: bool) -> None:
    check_token_type({"active": True, "token_type": token_type}, required=required)


@pytest.mark.parametrize("required", [True, False])
@pytest.mark.parametrize("token_type", OTHER_TYPES)
def test_another_token_type_is_refused_even_where_a_missing_one_is_allowed(token_type: Any, required: bool) -> None:
    with pytest.raises(BadTokenType, match="is not Bearer"):
        check_token_type({"active": True, "token_type": token_type}, required=required)


def test_a_missing_token_type_is_refused_by_default() -> None:
    with pytest.raises(BadTokenType, match="no token_type") as caught:
        check_token_type({"active": True, "sub": "carol"}, required=True)
    assert (caught.value.status, caught.value.code) == (401, "bad_token_type")


def test_a_missing_token_type_passes_where_allowed() -> None:
    check_token_type({"active": True, "sub": "carol"}, required=False)


def test_an_explicit_null_token_type_counts_as_missing() -> None:
    with pytest.raises(BadTokenType, match="no token_type"):
        check_token_type({"active": True, "token_type": None}, required=True)
    check_token_type({"active": True, "token_type": None}, required=False)
