"""Record formats: OpenIG's text layout, or one JSON object per line (jsonl).

Text, as OpenIG writes it (responses start with `<--- (response) id:... ---`):

    --- (request) id:4f2a-17 --->

    GET http://app.example.com/orders?page=2 HTTP/1.1
    Accept: application/json
    Authorization: *****

    [entity]

"""

from __future__ import annotations

import codecs
import json
from datetime import UTC, datetime
from typing import Any

from gateway.capture.masks import Masks
from gateway.capture.message import Entity, Message

_MARKERS = {Entity.UNCAPTURED: "[entity]", Entity.BINARY: "[binary entity]"}


def render_text(message: Message, masks: Masks) -> str:
    """One record in OpenIG's text layout, ending with a blank line."""
    if message.is_request:
        lines = [f"--- ({message.point}) id:{message.id} --->", "", f"{message.method} {message.uri} {message.version}"]
    else:
        status = f"{message.version} {message.status} {message.reason}".rstrip()
        lines = [f"<--- ({message.point}) id:{message.id} ---", "", status]
    lines.extend(f"{name}: {masks.value(name, value)}" for name, value in message.headers)
    lines.append("")
    if message.entity is Entity.TEXT:
        lines.extend(_text_lines(message))
    elif message.entity is not Entity.NONE:
        lines.extend((_MARKERS[message.entity], ""))
    if message.error is not None:
        lines.extend((f"[error {message.error[0]}: {message.error[1]}]", ""))
    if message.context is not None:
        lines.extend((f"context: {message.context}", ""))
    return "\n".join(lines) + "\n"


def _text_lines(message: Message) -> list[str]:
    if not message.complete and not message.data:
        return ["[entity not read]", ""]
    text = decode(message)
    lines = [text[:-1] if text.endswith("\n") else text]
    if not message.complete:
        lines.append(f"[... body incomplete: {len(message.data) + message.more} bytes seen]")
    elif message.more:
        lines.append(f"[... {message.more} more bytes]")
    lines.append("")
    return lines


def decode(message: Message) -> str:
    """The kept bytes as text; a character cut by the cap is left out rather than garbled."""
    try:
        decoder = codecs.getincrementaldecoder(message.charset)(errors="replace")
    except LookupError:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    return decoder.decode(message.data, final=not message.more)


def render_jsonl(message: Message, masks: Masks) -> str:
    """One record as a JSON object on one line."""
    record: dict[str, Any] = {
        "time": datetime.fromtimestamp(message.time, UTC).isoformat(timespec="milliseconds"),
        "id": message.id,
        "point": message.point,
        "route": message.route,
        "source": message.source,
    }
    if message.is_request:
        record.update(type="request", method=message.method, uri=message.uri, version=message.version)
    else:
        record.update(type="response", status=message.status, reason=message.reason, version=message.version)
    record["headers"] = [[name, masks.value(name, value)] for name, value in message.headers]
    record["entity"] = _entity(message)
    if message.error is not None:
        record["error"] = {"code": message.error[0], "reason": message.error[1]}
    if message.context is not None:
        record["context"] = json.loads(message.context)
    return json.dumps(record, ensure_ascii=False) + "\n"


def _entity(message: Message) -> dict[str, Any] | None:
    if message.entity is Entity.NONE:
        return None
    if message.entity is not Entity.TEXT:
        return {"kind": message.entity.value}
    return {"kind": "text", "text": decode(message), "more": message.more, "complete": message.complete}
