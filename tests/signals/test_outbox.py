"""The outbox read in place and counted whole, and its delivery lease held by one deliverer at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from joserfc.jwk import RSAKey

from gateway.oauth.set import SetSigner
from gateway.signals.delivery import Pusher
from gateway.signals.failures import FailedDeliveries
from gateway.signals.outbox import Outbox
from gateway.signals.relay import MetricsRelay
from gateway.signals.signing import SetSigning
from gateway.signals_settings import SignalsSettings, StreamSettings
from gateway.stores import SqliteStore
from tests.support.set_receiver import running_set_receiver
from tests.support.sets import unverified_claims


async def test_reading_leaves_the_outbox_as_it_was_and_its_depth_is_the_whole_count(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "gateway.db")
    try:
        outbox = Outbox(store)
        for n in range(250):
            await outbox.put("s", {"jti": f"jti-{n:03d}"})
        first = [p.jti for p in await outbox.peek("s", 10)]
        assert first == [f"jti-{n:03d}" for n in range(10)]
        assert [p.jti for p in await outbox.peek("s", 10)] == first
        assert await outbox.depth("s") == 250
        await outbox.remove("s", (await outbox.peek("s", 1))[0].seq)
        assert await outbox.depth("s") == 249
    finally:
        await store.close()


async def test_two_deliverers_racing_for_one_stream_push_each_set_once(tmp_path: Path) -> None:
    stores = [SqliteStore(tmp_path / "gateway.db") for _ in range(2)]  # as two worker processes have
    settings = SignalsSettings.model_validate({"issuer": "https://gw.example.com", "backoff": "10 ms"})
    async with running_set_receiver() as receiver, aiohttp.ClientSession() as http:
        stream = StreamSettings(id="s", endpoint=receiver.url, aud="rp")
        outboxes = [Outbox(store) for store in stores]
        for n in range(60):
            await outboxes[n % 2].put("s", {"jti": f"jti-{n:03d}"})
        signing = SetSigning(SetSigner("https://gw.example.com", RSAKey.generate_key(2048)))
        pushers = [
            Pusher("s", lambda _: stream, outbox, FailedDeliveries(outbox.store), http, settings, MetricsRelay(),
                   signing)
            for outbox in outboxes
        ]  # fmt: skip
        tasks = [asyncio.create_task(pusher.run()) for pusher in pushers]
        try:
            await receiver.wait_for(60, timeout=30)
            await asyncio.sleep(0.3)  # a second deliverer pushing too would show now
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for store in stores:
                await store.close()
    assert [unverified_claims(pushed.token)["jti"] for pushed in receiver.got] == [f"jti-{n:03d}" for n in range(60)]
