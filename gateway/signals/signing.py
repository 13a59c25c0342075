"""Signing the outbox's SETs from the claims fixed at session end.

The signals process signs each SET when it pushes it, and the poll endpoint signs what it serves,
both here. RS256 (RSASSA-PKCS1-v1_5) is deterministic, so the same claims give the same token
whoever signs them and however often: a redelivery is byte for byte the first delivery (a JWE
wrapping, when a stream asks for one, differs each time; the SET inside does not).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from joserfc.jwk import Key

from gateway.oauth.set import SetSigner
from gateway.signals.outbox import Pending
from gateway.signals_settings import StreamSettings


class SetSigning:
    """Turns outbox entries into compact SETs with `signer`, encrypted to a stream's key when it has one."""

    def __init__(self, signer: SetSigner, encryption: Callable[[StreamSettings], Key | None] = lambda s: None) -> None:
        self.signer = signer
        self.encryption = encryption

    def token(self, stream: StreamSettings, item: Pending) -> str:
        """The SET of one entry (entries written before signing moved kept their token)."""
        if item.token is not None:
            return item.token
        if item.claims is None:
            raise ValueError(f"outbox entry {item.seq} of stream {stream.id} has neither claims nor token")
        return self.signer.sign(item.claims, self.encryption(stream))

    async def tokens(self, stream: StreamSettings, items: list[Pending]) -> dict[str, str]:
        """jti → SET of `items`, signed on a thread (the poll endpoint runs on a serving worker)."""
        if all(item.token is not None for item in items):
            return {item.jti: str(item.token) for item in items}
        return await asyncio.to_thread(lambda: {item.jti: self.token(stream, item) for item in items})
