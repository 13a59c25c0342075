"""Typed keys for request state; the app key of the runtime is `gateway.runtime.RUNTIME`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from gateway.exchange import Exchange

EXCHANGE: web.RequestKey[Exchange] = web.RequestKey("exchange")
# Set on a response that relays an upstream's answer: the gateway's own page headers stay off it.
RELAYED: web.ResponseKey[bool] = web.ResponseKey("relayed")
