"""With `--workers 2`, every worker serves the built-in PDP on the one configured port, and a login
token of the OpenAM endpoint issued by one worker is accepted by the other."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from tests.policy.conftest import HERE, PDP_TOKEN, pdp_object
from tests.support.process import GatewayProcess, free_port

pytestmark = pytest.mark.slow


async def test_both_workers_serve_the_pdp_and_accept_each_others_tokens(routes_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    pdp = pdp_object(HERE / "web-policies.yaml", listen=f"127.0.0.1:{port}", openam={"users": {"pep": "s3cret"}})
    config = {"heap": [pdp], "state": str(tmp_path / "state")}
    url = f"http://127.0.0.1:{port}"
    body = {"resources": ["http://app.example/app/x"], "application": "web", "subject": {"claims": {"sub": "a"}}}
    with GatewayProcess(routes_dir, config=config, workers=2, workdir=tmp_path):
        # A fresh connection per request: the kernel spreads them over the two workers.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            login = {"X-OpenAM-Username": "pep", "X-OpenAM-Password": "s3cret"}
            async with http.post(f"{url}/json/authenticate", headers=login) as response:
                token = (await response.json())["tokenId"]

            async def evaluate() -> int:
                headers = {"iPlanetDirectoryPro": token}
                async with http.post(f"{url}/json/policies?_action=evaluate", json=body, headers=headers) as answer:
                    return answer.status

            async def metadata() -> int:
                auth = {"Authorization": f"Bearer {PDP_TOKEN}"}
                async with http.get(f"{url}/.well-known/authzen-configuration", headers=auth) as answer:
                    return answer.status

            assert await asyncio.gather(*(evaluate() for _ in range(30))) == [200] * 30
            assert await asyncio.gather(*(metadata() for _ in range(10))) == [200] * 10
