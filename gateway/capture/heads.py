"""Header-only records: what a text-format decorator without entities or context takes of a message.

On the event loop a record is one plain tuple (cheaper to build than any object) holding references
to what the request already has — its immutable header view, method, target — or one C-level copy
of a response's headers, or a relayed answer's unbuilt ones; nothing is formatted there. The writer
thread renders it in a few C-level calls, to exactly the text `gateway.capture.format.render_text`
writes for the same message (an unbuilt answer's headers from the upstream's bytes: `relayedheads`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import HttpVersion

if TYPE_CHECKING:
    from multidict import MultiMapping

    from gateway.capture.masks import Masks
    from gateway.capture.relayedheads import RelayedHeads
    from gateway.http.defaults import Unbuilt

_HTTP11 = HttpVersion(1, 1)
# What `render_text` writes after the headers: for no body, and for a body it does not capture.
_AFTER = ("\n", "\n[entity]\n\n")

# id, point label, method, scheme, host, request target, version, headers (not copied), has a body.
RequestHead = tuple[str, str, str, str, str, str, HttpVersion, "MultiMapping[str]", bool]
# id, point label, status, reason, headers (a copy, or what a relayed answer's are built from), has a body.
ResponseHead = tuple[str, str, int, str, "MultiMapping[str] | Unbuilt", bool]


def render_request(masks: Masks, record: RequestHead) -> str:
    """The request record in OpenIG's text layout (masks first, for `functools.partial`)."""
    id_, point, method, scheme, host, target, version, headers, entity = record
    text = "HTTP/1.1" if version == _HTTP11 else f"HTTP/{version.major}.{version.minor}"
    return (
        f"--- ({point}) id:{id_} --->\n\n{method} {scheme}://{host}{target} {text}\n"
        f"{masks.block(headers)}{_AFTER[entity]}"
    )


def render_response(masks: Masks, relayed: RelayedHeads, record: ResponseHead) -> str:
    """The response record in OpenIG's text layout (masks and the relayed answers' renderer first, for
    `functools.partial`); an unbuilt answer's headers are rendered from the upstream's bytes."""
    id_, point, status, reason, kept, entity = record
    block = relayed.block(kept) if isinstance(kept, tuple) else masks.block(kept)
    start = f"HTTP/1.1 {status} {reason}".rstrip()
    return f"<--- ({point}) id:{id_} ---\n\n{start}\n{block}{_AFTER[entity]}"
