"""Three gateway instances on one redis-server behind nginx (round robin, no stickiness): a browser
session holds on every instance and ends on all of them within a second; a per-user throttle counts
across the three; a device login started on one instance completes polling on another."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from yarl import URL

from idp.driver import approve_device, browser, login, parse_forms
from tests.support.auth_routes import header
from tests.support.cluster import JSON, LIMIT, Cluster, cookie_of, ended_everywhere_within
from tests.support.device_client import poll, start
from tests.support.login_support import LOGOUT, html_browser
from tests.support.redis_server import RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture(scope="module")
def store() -> Iterator[dict[str, Any]]:
    """One redis-server for the three instances."""
    with RedisServer() as server:
        yield {"redis": {"url": server.url}}


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain client on the module's event loop."""
    async with aiohttp.ClientSession() as session:
        yield session


async def _logged_in(cluster: Cluster, user: str) -> aiohttp.ClientSession:
    session = html_browser()
    await login(session, cluster.url + "/app/start", user)
    return session


async def _whoami(cluster: Cluster, session: aiohttp.ClientSession, count: int) -> dict[int, set[str]]:
    """`count` requests through the balancer: the users the upstream saw, by the instance that answered."""
    seen: dict[int, set[str]] = {}
    for _ in range(count):
        async with session.get(cluster.url + "/app/whoami", headers=JSON, allow_redirects=False) as response:
            assert response.status == 200, response.status
            seen.setdefault(cluster.served_by(response), set()).update(header(await response.json(), "X-User"))
    return seen


async def test_a_session_made_through_the_balancer_holds_on_every_instance(cluster: Cluster) -> None:
    async with await _logged_in(cluster, "alice") as session:
        seen = await _whoami(cluster, session, 6)
    assert seen == {0: {"alice"}, 1: {"alice"}, 2: {"alice"}}


async def test_logout_on_one_instance_ends_the_session_on_all_within_a_second(cluster: Cluster) -> None:
    async with await _logged_in(cluster, "bob") as session:
        cookie = cookie_of(session)
        assert len(await _whoami(cluster, session, 3)) == 3
        async with session.get(URL(cluster.url + LOGOUT).with_query(rd="/"), allow_redirects=False) as page:
            [form] = parse_forms(await page.text())
        async with session.post(cluster.url + LOGOUT, data=form.fields, allow_redirects=False) as response:
            assert response.status == 302
            ended_by = cluster.served_by(response)
        refused = await ended_everywhere_within(cluster, cookie, 1.0)
    print(f"logout answered by instance {ended_by}; refused within 1 s by {refused}")
    assert refused == [True, True, True]


async def test_an_admin_revocation_on_one_instance_ends_the_session_on_all_within_a_second(
    cluster: Cluster, http: aiohttp.ClientSession
) -> None:
    async with await _logged_in(cluster, "carol") as session:
        cookie = cookie_of(session)
        assert len(await _whoami(cluster, session, 3)) == 3
        body = {"sub": "carol", "iss": cluster.idp.issuer}
        async with http.post(cluster.instances[0].admin + "/admin/api/sessions/revoke", json=body) as response:
            assert response.status == 200 and (await response.json())["revoked"] == 1
        assert await ended_everywhere_within(cluster, cookie, 1.0) == [True, True, True]


async def test_a_per_user_throttle_counts_across_the_instances(cluster: Cluster) -> None:
    async with await _logged_in(cluster, "dave") as session:
        began = time.monotonic()
        answers = await asyncio.gather(*(_limited(cluster, session) for _ in range(LIMIT + 50)))
        elapsed = time.monotonic() - began
    allowed = [instance for status, instance in answers if status == 200]
    # The bucket refills LIMIT tokens a minute: requests that arrive later may take the refilled ones.
    tolerance = int(elapsed * LIMIT / 60) + 1
    by_instance = {i: allowed.count(i) for i in range(3)}
    print(f"allowed {len(allowed)} of {len(answers)} in {elapsed:.1f} s (tolerance {tolerance}), by {by_instance}")
    assert {status for status, _ in answers} == {200, 429}
    assert LIMIT <= len(allowed) <= LIMIT + tolerance
    assert all(by_instance.values())  # every instance took part


async def _limited(cluster: Cluster, session: aiohttp.ClientSession) -> tuple[int, int]:
    async with session.get(cluster.url + "/limited/x", headers=JSON, allow_redirects=False) as response:
        return response.status, cluster.served_by(response)


async def test_a_device_login_started_on_one_instance_completes_polling_on_another(
    cluster: Cluster, http: aiohttp.ClientSession
) -> None:
    a, b = cluster.instances[0], cluster.instances[1]
    grant = await start(http, a.url)
    async with browser() as person:
        await approve_device(person, cluster.idp, grant["user_code"], "erin")
    status, answer = await poll(http, b.url, grant["device_code"])
    assert status == 200, answer
    token = answer["access_token"]
    for instance in cluster.instances:
        async with http.get(instance.url + "/dev/me", headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200
            assert header(await response.json(), "X-User") == ["erin"]
