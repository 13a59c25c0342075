"""The studio's "try it" through an https main listener: the relay trusts the listener's own certificate."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.support.gateway import write_route
from tests.support.studio import Api, studio_gateway
from tests.support.tls import Pki


async def test_try_reaches_an_https_main_listener_whose_certificate_names_another_host(
    tmp_path: Path, routes_dir: Path, http: aiohttp.ClientSession
) -> None:
    _, certificate = Pki(tmp_path).leaf("gateway.pem", "gateway.example")
    static = {"type": "StaticResponseHandler", "config": {"status": 200, "entity": "${contexts.client.isSecure}"}}
    write_route(routes_dir, "10-who.json", {"handler": static})
    async with studio_gateway(tmp_path, routes_dir, tls={"certificate": str(certificate)}) as studio:
        api = await Api(http, studio.admin).start()
        status, answer = await api.call("POST", "/admin/api/try", {"method": "GET", "path": "/x", "headers": {}})
    assert (status, answer["status"], answer["body"]) == (200, 200, "true")
