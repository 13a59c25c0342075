"""The gateway's own login endpoints are counted in the route metrics, under their path."""

from __future__ import annotations

import aiohttp

from tests.ops.conftest import sample, scrape
from tests.support.gateway import GatewayHandle


async def test_login_endpoints_are_counted_under_their_path(gateway: GatewayHandle) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(3):
            # No login under way: the callback refuses, the logout sends the browser on.
            async with http.get(f"{gateway.url}/oauth2/callback?code=x&state=y", allow_redirects=False) as answer:
                assert 400 <= answer.status < 500
        async with http.get(f"{gateway.url}/oauth2/logout", allow_redirects=False) as answer:
            logout = answer.status
        samples = await scrape(http, gateway.admin)
    counted = {
        (dict(labels)["route"], dict(labels)["status_class"]): value
        for (name, labels), value in samples.items()
        if name == "gateway_requests_total" and dict(labels)["route"].startswith("/oauth2/")
    }
    assert counted == {("/oauth2/callback", "4xx"): 3, ("/oauth2/logout", f"{logout // 100}xx"): 1}
    assert sample(samples, "gateway_request_duration_seconds_count", route="/oauth2/callback") == 3
