"""A cProfile run of the gateway grouped into the stages of one proxied request, by module.

A built-in function (a socket send, a C parser) has no module of its own: its time goes to the
stages of the functions that called it, in proportion to the calls' time."""

from __future__ import annotations

import pstats
from collections import defaultdict

# First match wins: (stage, substrings of the function's file path).
STAGES = (
    ("front: aiohttp server (parse, request object)", ("aiohttp/web_protocol", "aiohttp/web_request",
        "aiohttp/http_parser", "aiohttp/streams", "aiohttp/web_server", "aiohttp/base_protocol", "aiohttp/helpers",
        "aiohttp/_http_parser", "multidict", "yarl")),
    ("response writing: aiohttp, RelayedResponse", ("aiohttp/web_response", "aiohttp/http_writer", "aiohttp/payload",
        "aiohttp/abc", "gateway/handlers/relayed")),
    ("headers relayed both ways: hop-by-hop, X-Forwarded-*", ("gateway/http/forwarding", "gateway/http/headers")),
    ("upstream client", ("gateway/upstream/", "gateway/handlers/client", "gateway/handlers/body", "httptools")),
    ("filters: capture", ("gateway/capture", "gateway/filters/capture")),
    ("filters: throttling", ("gateway/throttling", "gateway/filters/throttling", "gateway/stores/")),
    ("filters: authentication", ("gateway/filters/", "gateway/auth/", "gateway/sessions/", "gateway/oauth/",
        "joserfc", "cryptography")),
    ("dispatch: routing, exchange, expressions, metrics", ("gateway/",)),
    ("event loop", ("asyncio/", "uvloop", "selectors")),
)  # fmt: skip
OTHER = "other"

Func = tuple[str, int, str]


def stage_of(func: Func) -> str | None:
    """The stage of a Python function; None for a built-in."""
    path = func[0]
    if path == "~" or path.startswith("<"):
        return None
    return next((stage for stage, parts in STAGES if any(part in path for part in parts)), OTHER)


def stage_seconds(stats: pstats.Stats) -> dict[str, float]:
    """Own time per stage, built-ins charged to their callers' stages."""
    table = stats.stats  # type: ignore[attr-defined]
    out: dict[str, float] = defaultdict(float)
    for func, (_, _, own, _, callers) in table.items():
        stage = stage_of(func)
        if stage is not None:
            out[stage] += own
            continue
        weights = {caller: entry[2] for caller, entry in callers.items()}
        total = sum(weights.values())
        if not total:
            out[OTHER] += own
            continue
        for caller, weight in weights.items():
            out[stage_of(caller) or OTHER] += own * weight / total
    return out


def stage_table(stats: pstats.Stats, requests: int) -> str:
    """A markdown table: each stage's share of the profiled CPU and its µs per request (profiler included)."""
    seconds = stage_seconds(stats)
    total = sum(seconds.values()) or 1.0
    lines = [
        f"Own time per stage over {requests:,} requests (cProfile's overhead inflates every figure alike):",
        "",
        "| stage | share | µs per request under cProfile |",
        "|---|--:|--:|",
    ]
    for stage, value in sorted(seconds.items(), key=lambda item: -item[1]):
        lines.append(f"| {stage} | {value / total:.0%} | {value / requests * 1e6:.0f} |")
    return "\n".join(lines)
