"""RFC 7662 introspection answers and RFC 6749 client authentication, on a loopback endpoint."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest
from aiohttp import web

from gateway.oauth.client import ClientCredentials
from gateway.oauth.errors import InvalidToken, ProviderError
from gateway.oauth.introspection import introspect
from tests.support.fixtures import ServerFactory

CLIENT = ClientCredentials("gateway:web", "s3cr:t é&=")


class Endpoint:
    """An endpoint on loopback that answers one fixed response and records requests."""

    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body
        self.requests: list[tuple[dict[str, str], str | None]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.requests.append((form, request.headers.get("Authorization")))
        if isinstance(self.body, str):
            return web.Response(text=self.body, status=self.status)
        return web.json_response(self.body, status=self.status)


async def _endpoint(factory: ServerFactory, status: int, body: Any) -> Endpoint:
    endpoint = Endpoint(status, body)
    app = web.Application()
    app.router.add_post("/introspect", endpoint.handle)
    server = await factory(app)
    endpoint.url = str(server.make_url("/introspect"))
    return endpoint


@pytest.mark.parametrize(
    "body",
    [
        {"active": "true"},
        {"active": 1},
        {"active": False},
        {"sub": "alice"},
        {"active": [True]},
    ],
)
async def test_anything_but_json_true_is_inactive(
    aiohttp_server: ServerFactory, session: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    endpoint = await _endpoint(aiohttp_server, 200, body)
    with pytest.raises(InvalidToken) as caught:
        await introspect(session, endpoint.url, CLIENT, "tok")
    assert caught.value.code == "inactive_token"


async def test_active_token_answer_is_returned(aiohttp_server: ServerFactory, session: aiohttp.ClientSession) -> None:
    body = {"active": True, "sub": "alice", "exp": int(time.time()) + 60}
    endpoint = await _endpoint(aiohttp_server, 200, body)
    assert await introspect(session, endpoint.url, CLIENT, "tok") == body


async def test_active_answer_for_an_expired_token_is_refused(
    aiohttp_server: ServerFactory, session: aiohttp.ClientSession
) -> None:
    endpoint = await _endpoint(aiohttp_server, 200, {"active": True, "exp": 1000})
    with pytest.raises(InvalidToken) as caught:
        await introspect(session, endpoint.url, CLIENT, "tok")
    assert caught.value.code == "expired"


@pytest.mark.parametrize(
    ("status", "body"),
    [(500, {"active": True}), (401, {"error": "invalid_client"}), (200, "<html>"), (200, "[1]")],
)
async def test_introspection_errors_deny(
    aiohttp_server: ServerFactory, session: aiohttp.ClientSession, status: int, body: Any
) -> None:
    endpoint = await _endpoint(aiohttp_server, status, body)
    with pytest.raises(ProviderError):
        await introspect(session, endpoint.url, CLIENT, "tok")


async def test_unreachable_endpoint_denies(session: aiohttp.ClientSession) -> None:
    with pytest.raises(ProviderError):
        await introspect(session, "http://127.0.0.1:9/introspect", CLIENT, "tok")


async def test_basic_client_authentication_form_encodes_id_and_secret(
    aiohttp_server: ServerFactory, session: aiohttp.ClientSession
) -> None:
    endpoint = await _endpoint(aiohttp_server, 200, {"active": True})
    await introspect(session, endpoint.url, CLIENT, "tok")
    form, authorization = endpoint.requests[0]
    assert form == {"token": "tok", "token_type_hint": "access_token"}
    assert authorization is not None and authorization.startswith("Basic ")
    user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
    assert ":" not in user
    assert (unquote(user), unquote(password)) == (CLIENT.client_id, CLIENT.client_secret)


async def test_post_client_authentication_sends_the_secret_in_the_form(
    aiohttp_server: ServerFactory, session: aiohttp.ClientSession
) -> None:
    endpoint = await _endpoint(aiohttp_server, 200, {"active": True})
    client = ClientCredentials("web", "secret", method="client_secret_post")
    await introspect(session, endpoint.url, client, "tok", token_type_hint=None)
    form, authorization = endpoint.requests[0]
    assert form == {"token": "tok", "client_id": "web", "client_secret": "secret"}
    assert authorization is None


def test_confidential_client_without_a_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a client secret"):
        ClientCredentials("web")


def test_client_secret_stays_out_of_the_repr() -> None:
    assert "s3cr" not in repr(CLIENT)
