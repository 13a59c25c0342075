"""Authenticated responses stay private: when the upstream says nothing about caching, the
gateway adds `Cache-Control: private, no-store`, so that neither a shared cache nor the browser's
own (which the Back button reads after logout) keeps a copy of what one user was shown.

Every authentication filter takes `cacheControl`; `null` leaves responses as the upstream sent them.
"""

from __future__ import annotations

from functools import cache

from aiohttp import web
from pydantic import Field

from gateway.http.defaults import Defaults, set_defaults
from gateway.validation import ConfigModel

PRIVATE = "private, no-store"


class PrivateResponsesConfig(ConfigModel):
    """The option of every authentication filter that keeps authenticated responses out of caches."""

    cacheControl: str | None = Field(
        PRIVATE,
        pattern=r"^[\x21-\x7e][\x20-\x7e]*$",
        description="Cache-Control added to authenticated responses whose upstream sent none, so that no "
        "cache (nor Back after logout) shows them again; null: responses pass as the upstream sent them.",
    )


def mark_private(response: web.StreamResponse, cache_control: str | None) -> web.StreamResponse:
    """Add `cache_control` unless the response already says how to cache it (or is on its way)."""
    if cache_control and not response.prepared:
        # A relayed answer's headers stay undecoded (`http.defaults`).
        set_defaults(response, _defaults(cache_control))
    return response


@cache
def _defaults(cache_control: str) -> Defaults:
    """Built once per configured value (one or two in a configuration)."""
    return Defaults([("Cache-Control", cache_control)])
