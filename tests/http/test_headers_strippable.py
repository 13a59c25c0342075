"""Which header names a route's additions may strip from every client request."""

from __future__ import annotations

import pytest

from gateway.http.headers import strippable


@pytest.mark.parametrize("name", ["x-route", "x-user", "x-api-tenant"])
def test_names_only_routes_add_are_stripped(name: str) -> None:
    assert strippable(name)


@pytest.mark.parametrize("name", ["accept", "accept-language", "user-agent", "cookie", "x-forwarded-prefix", "range"])
def test_fields_clients_send_for_themselves_are_never_stripped(name: str) -> None:
    assert not strippable(name)
