"""Typed keys for app and request state, all declared in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from gateway.exchange import Exchange
    from gateway.runtime import Runtime

EXCHANGE: web.RequestKey[Exchange] = web.RequestKey("exchange")
RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime")
