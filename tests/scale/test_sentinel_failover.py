"""Three gateway instances on Redis through Sentinel (one primary, one replica, three sentinels)
behind nginx: the primary is failed over during traffic; the instances follow the new primary, the
session made before survives, and the 503s while no primary takes writes are a short burst."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from idp.driver import login
from tests.support.cluster import JSON, Cluster, cookie_of, ended_everywhere_within
from tests.support.login_support import html_browser, session_alive
from tests.support.sentinel import SentinelGroup
from tests.support.traffic import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture(scope="module")
def group() -> Iterator[SentinelGroup]:
    with SentinelGroup() as started:
        yield started


@pytest.fixture(scope="module")
def store(group: SentinelGroup) -> dict[str, Any]:
    return {"redis": {"sentinel": group.spec, "timeout": "500 ms"}}


@dataclass
class Seen:
    """Statuses by kind of request: the user's page through the balancer, and store reads on each admin API."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failed_at: list[float] = field(default_factory=list)  # monotonic times of the 503s


async def _keep_asking(cluster: Cluster, cookie: str, seen: Seen, stop: asyncio.Event) -> None:
    lister = "/admin/api/sessions?sub=frank&iss=" + cluster.idp.issuer
    targets = [("page", cluster.url + "/app/x", {**JSON, "Cookie": cookie})]
    targets += [("store", instance.admin + lister, JSON) for instance in cluster.instances]
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client:
        while not stop.is_set():
            for kind, url, headers in targets:
                async with client.get(url, headers=headers) as response:
                    seen.statuses[kind, response.status] += 1
                    if response.status == 503:
                        seen.failed_at.append(time.monotonic())
            await asyncio.sleep(0.01)


async def _all_answer(cluster: Cluster, cookie: str) -> bool:
    return all([await session_alive(instance, cookie) for instance in cluster.instances])


async def _logged_in_cookie(cluster: Cluster, user: str) -> str:
    async with html_browser() as browser:
        await login(browser, cluster.url + "/app/start", user)
        return cookie_of(browser)


async def _during(cluster: Cluster, cookie: str, fault: Callable[[], int]) -> tuple[Seen, int, float]:
    """Run `fault` (it returns the new primary's port) amid traffic: what was seen, the new primary,
    and when it took writes (monotonic)."""
    seen, stop = Seen(), asyncio.Event()
    asking = asyncio.create_task(_keep_asking(cluster, cookie, seen, stop))
    await asyncio.sleep(1)
    new = await asyncio.to_thread(fault)
    promoted = time.monotonic()
    await asyncio.sleep(3)  # traffic goes on against the new primary
    stop.set()
    await asking
    return seen, new, promoted


def _report(what: str, seen: Seen, promoted: float) -> None:
    first = f", the first {seen.failed_at[0] - promoted:+.1f} s" if seen.failed_at else ""
    last = f" and the last {seen.failed_at[-1] - promoted:+.1f} s from the promotion" if seen.failed_at else ""
    print(f"{what}: statuses {dict(seen.statuses)}; {len(seen.failed_at)} 503s{first}{last}")


def _check(seen: Seen, promoted: float) -> None:
    assert seen.statuses["page", 200] > 0 and seen.statuses["store", 200] > 0
    assert set(seen.statuses) <= {("page", 200), ("store", 200), ("page", 503), ("store", 503)}
    # Loose: the 503s, if any, stop within a few seconds of the new primary taking writes.
    assert not seen.failed_at or seen.failed_at[-1] < promoted + 5


async def test_the_instances_follow_a_failover_with_the_session_kept(cluster: Cluster, group: SentinelGroup) -> None:
    cookie = await _logged_in_cookie(cluster, "frank")
    old = group.primary_port()
    seen, new, promoted = await _during(cluster, cookie, group.failover)
    _report(f"SENTINEL FAILOVER {old} -> {new}", seen, promoted)
    assert new != old
    _check(seen, promoted)
    assert await _all_answer(cluster, cookie)  # the session made before the failover is kept


async def test_the_instances_follow_a_killed_primary_with_the_session_kept(
    cluster: Cluster, group: SentinelGroup
) -> None:
    cookie = await _logged_in_cookie(cluster, "hana")
    old = group.primary_port()
    try:
        seen, new, promoted = await _during(cluster, cookie, group.kill_primary)
    finally:
        await asyncio.to_thread(group.revive)
    _report(f"primary {old} killed, {new} promoted", seen, promoted)
    assert new != old
    _check(seen, promoted)
    assert await _all_answer(cluster, cookie)


async def test_after_a_failover_logins_and_revocations_work_on_every_instance(
    cluster: Cluster, group: SentinelGroup
) -> None:
    await asyncio.to_thread(group.failover)
    cookie = await _logged_in_cookie(cluster, "gina")
    await wait_for(lambda: _all_answer(cluster, cookie), bool, "the new session on every instance", 10)
    body = {"sub": "gina", "iss": cluster.idp.issuer}
    revoke = cluster.instances[2].admin + "/admin/api/sessions/revoke"
    async with aiohttp.ClientSession() as http, http.post(revoke, json=body) as response:
        assert response.status == 200 and (await response.json())["revoked"] == 1
    # The revocation reaches the other instances over pub/sub, which followed the new primary too.
    assert await ended_everywhere_within(cluster, cookie, 1.0) == [True, True, True]
