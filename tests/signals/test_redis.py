"""Signals over the Redis store: two instances share the outbox, so either answers a poll and
a push stream is delivered once the SET is made on any of them."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.signals.conftest import POLL_TOKEN, SECRET, login, manager_of, signals_config
from tests.support.gateway import running_gateway
from tests.support.redis_server import RedisServer, redis_server
from tests.support.set_receiver import SetReceiver
from tests.support.sets import unverified_claims

__all__ = ["redis_server"]


async def test_any_instance_answers_a_poll_and_pushes_go_out_once(
    tmp_path: Path, routes_dir: Path, receiver: SetReceiver, redis_server: RedisServer, http: aiohttp.ClientSession
) -> None:
    def settings(name: str) -> dict[str, object]:
        return {"state": str(tmp_path / name), "sessions": {"secret": SECRET},
                "store": {"redis": {"url": redis_server.url}}, "signals": signals_config(receiver.url)}  # fmt: skip

    async with running_gateway(routes_dir, **settings("a")) as a, running_gateway(routes_dir, **settings("b")) as b:
        for name in ("alice", "bob", "carol"):
            await manager_of(a).end_session(await login(a, name), reason="logout", initiator="user")
        headers = {"Authorization": f"Bearer {POLL_TOKEN}"}
        body = {"returnImmediately": True}
        async with http.post(f"{b.url}/ssf/poll/poll-b", json=body, headers=headers) as response:
            polled = await response.json()
        pushed = await receiver.wait_for(3)
        async with http.post(f"{a.url}/ssf/poll/poll-b", json={"ack": list(polled["sets"]), **body},
                             headers=headers) as response:  # fmt: skip
            assert (await response.json())["sets"] == {}
    subjects = [unverified_claims(t)["sub_id"]["user"]["sub"] for t in polled["sets"].values()]
    assert subjects == ["alice", "bob", "carol"]
    assert [unverified_claims(t)["sub_id"]["user"]["sub"] for t in pushed] == ["alice", "bob", "carol"]
    assert len(receiver.got) == 3
