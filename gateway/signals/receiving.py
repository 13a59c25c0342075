"""The receiver's assembly, and the poll receiver (RFC 8936 §2.4, the recipient's side).

A poller long-polls one transmitter, processes each SET, acknowledges the accepted ones (and
reports refused ones in `setErrs`) on its next request, and backs off with jitter while the
transmitter is down."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from joserfc.jwk import RSAKey

from gateway.oauth.jwks import JwksCache
from gateway.oauth.set_verify import KeySource, KeysUnavailable, SetRejected, SetVerifier, StaticKeys
from gateway.signals.push import backoff
from gateway.signals.receiver import Receiver
from gateway.signals_settings import PollSource, SignalsSettings

if TYPE_CHECKING:
    from gateway.services import Services
    from gateway.signals.metrics import SignalMetrics

log = logging.getLogger("gateway.signals")


def http_client(services: Services) -> aiohttp.ClientSession:
    """The app's HTTP client, which opens before the signals do."""
    if services.http is None:
        raise RuntimeError("signals need the HTTP client, which is not open")
    return services.http


def build_receiver(services: Services, config: SignalsSettings, metrics: SignalMetrics) -> Receiver:
    """The receiver of the configured trusted issuers and audiences."""
    http = http_client(services)
    trusted: dict[str, KeySource] = {}
    for issuer in config.receiver.issuers:
        trusted[issuer.iss] = StaticKeys(issuer.jwks) if issuer.jwks else JwksCache(http, str(issuer.jwksUrl))
    audiences = config.receiver.audience or [str(config.issuer)]
    pem = config.receiver.pemValue or (Path(config.receiver.pemPath).read_text() if config.receiver.pemPath else None)
    decrypt = RSAKey.import_key(pem) if pem else None
    verifier = SetVerifier(trusted, audiences, decrypt)
    return Receiver(verifier, services.store, lambda: services.sessions, metrics)


def start_pollers(services: Services, config: SignalsSettings, receiver: Receiver) -> list[asyncio.Task[Any]]:
    """One long-polling task per configured poll source."""
    http = http_client(services)
    return [asyncio.create_task(poll_forever(http, source, receiver)) for source in config.receiver.poll]


async def poll_forever(http: aiohttp.ClientSession, source: PollSource, receiver: Receiver) -> None:
    """Poll, process, acknowledge; until cancelled."""
    acks: list[str] = []
    errs: dict[str, dict[str, str]] = {}
    failures = 0
    while True:
        body = {"ack": acks, "setErrs": errs, "maxEvents": source.maxEvents, "returnImmediately": False}
        try:
            sets = await _poll(http, source, body)
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            delay = backoff(failures, 1.0, 60.0)
            failures += 1
            log.warning("polling %s failed (%s); next try in %.1f s", source.endpoint, exc, delay)
            await asyncio.sleep(delay)
            continue
        failures = 0
        acks, errs = await _process(receiver, sets)


async def _poll(http: aiohttp.ClientSession, source: PollSource, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": source.auth} if source.auth else {}
    timeout = aiohttp.ClientTimeout(total=source.timeout + 10)
    async with http.post(source.endpoint, json=body, headers=headers, timeout=timeout) as response:
        if response.status != 200:
            raise ValueError(f"status {response.status}")
        doc = await response.json(content_type=None)
    if not isinstance(doc, dict) or not isinstance(doc.get("sets"), dict):
        raise ValueError("the answer has no sets object")
    sets: dict[str, Any] = doc["sets"]
    return sets


async def _process(receiver: Receiver, sets: dict[str, Any]) -> tuple[list[str], dict[str, dict[str, str]]]:
    acks: list[str] = []
    errs: dict[str, dict[str, str]] = {}
    for jti, token in sets.items():
        try:
            await receiver.accept(str(token))
            acks.append(jti)
        except SetRejected as error:
            log.warning("polled SET %s refused: %s", jti, error)
            errs[jti] = {"err": error.err, "description": error.description}
        except KeysUnavailable as error:
            log.warning("polled SET %s not checked now (it will come again): %s", jti, error)
    return acks, errs
