"""The poll receiver (RFC 8936 §2.4, recipient side) against a scripted transmitter: it backs off
while the transmitter fails, acknowledges what it accepted and reports what it refused."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from joserfc.jwk import RSAKey
from prometheus_client import CollectorRegistry

from gateway.oauth import set as sets
from gateway.oauth import subject_ids as ids
from gateway.oauth.set_verify import SetVerifier, StaticKeys
from gateway.signals.metrics import SignalMetrics
from gateway.signals.receiver import Receiver
from gateway.signals.receiving import poll_forever
from gateway.signals_settings import PollSource
from gateway.stores import MemoryStore

ISS, ME = "https://tx.example.com", "https://me.example.com"
SIGNER = sets.SetSigner(ISS, RSAKey.generate_key(2048))


async def test_the_poller_backs_off_then_acks_good_sets_and_reports_bad_ones() -> None:
    good = SIGNER.sign(SIGNER.claims(ME, ids.iss_sub(ISS, "alice"), sets.session_revoked(time.time(), "user", "x")))
    bad = SIGNER.sign(SIGNER.claims("https://someone-else", ids.iss_sub(ISS, "bob"), sets.verification(None)))
    script: list[Any] = [503, 503, {"sets": {"j-good": good, "j-bad": bad}}]
    bodies: list[dict[str, Any]] = []

    async def transmitter(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        step = script.pop(0) if script else {"sets": {}}
        if isinstance(step, int):
            return web.Response(status=step)
        if not script:
            await asyncio.sleep(0.05)
        return web.json_response(step)

    app = web.Application()
    app.router.add_post("/poll", transmitter)
    store = MemoryStore()
    receiver = Receiver(SetVerifier({ISS: StaticKeys(SIGNER.jwks())}, [ME]), store, lambda: None,
                        SignalMetrics(CollectorRegistry()))  # fmt: skip
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as http:
        source = PollSource(endpoint=str(server.make_url("/poll")), auth="Bearer t")
        task = asyncio.create_task(poll_forever(http, source, receiver))
        for _ in range(200):
            if len(bodies) >= 4:
                break
            await asyncio.sleep(0.05)
        task.cancel()
    await store.close()
    assert len(bodies) >= 4, bodies
    assert bodies[3]["ack"] == ["j-good"]
    assert bodies[3]["setErrs"] == {
        "j-bad": {"err": "invalid_audience", "description": "aud 'https://someone-else' is not this receiver"}
    }
