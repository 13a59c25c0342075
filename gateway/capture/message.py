"""A captured message: a snapshot taken on the event loop, rendered later by the writer thread."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# Media types outside text/* whose bodies read as text.
_TEXTUAL = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/ecmascript",
        "application/x-www-form-urlencoded",
        "application/graphql",
        "application/yaml",
        "application/x-yaml",
    }
)


class Entity(enum.Enum):
    """What a record says about the body."""

    NONE = "none"  # the message has no body
    UNCAPTURED = "uncaptured"  # a body exists; entity capture is off
    BINARY = "binary"  # a body exists but is not text
    TEXT = "text"  # a body in text, kept up to the decorator's cap


@dataclass(slots=True, eq=False)
class Message:
    """One request or response at one capture point; requests have a method, responses a status."""

    id: str
    point: str
    route: str
    source: str
    headers: list[tuple[str, str]]
    method: str = ""
    uri: str = ""
    version: str = "HTTP/1.1"
    status: int = 0
    reason: str = ""
    entity: Entity = Entity.NONE
    data: bytes = b""
    more: int = 0  # bytes past the cap
    complete: bool = True  # False when the body ended early or was never read to its end
    charset: str = "utf-8"
    context: str | None = None  # JSON
    error: tuple[str, str] | None = None  # (code, reason) of a gateway error answer
    time: float = field(default_factory=time.time)

    @property
    def is_request(self) -> bool:
        """Requests carry a method; responses a status."""
        return bool(self.method)


def text_charset(headers: Iterable[tuple[str, str]]) -> str | None:
    """The charset when the body is readable text (textual type, no content coding); else None."""
    content_type = coding = ""
    for name, value in headers:
        lower = name.lower()
        if lower == "content-type":
            content_type = value
        elif lower == "content-encoding":
            coding = value.strip().lower()
    if not content_type or coding not in ("", "identity"):
        return None
    mime, *params = (part.strip() for part in content_type.split(";"))
    mime = mime.lower()
    if not (mime.startswith("text/") or mime in _TEXTUAL or mime.endswith(("+json", "+xml"))):
        return None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


class Pending:
    """A message waiting for its body: keeps the first `limit` bytes, counts the rest, submits once."""

    __slots__ = ("_chunks", "_done", "_kept", "_limit", "_seen", "_submit", "message")

    def __init__(self, message: Message, limit: int, submit: Callable[[Message], None]) -> None:
        self.message = message
        self._limit = limit
        self._submit = submit
        self._chunks: list[bytes] = []
        self._kept = 0
        self._seen = 0
        self._done = False

    def feed(self, chunk: bytes | bytearray | memoryview) -> None:
        """Account for one chunk that flowed past."""
        size = len(chunk)
        if self._kept < self._limit and size:
            part = bytes(chunk[: self._limit - self._kept])
            self._chunks.append(part)
            self._kept += len(part)
        self._seen += size

    def finish(self, complete: bool = True) -> None:
        """Submit the message with what was seen; later calls do nothing."""
        if self._done:
            return
        self._done = True
        message = self.message
        message.data = b"".join(self._chunks)
        message.more = self._seen - self._kept
        message.complete = complete
        if not self._seen and complete:
            # A streamed body that turned out empty: no entity after all.
            message.entity = Entity.NONE
        self._submit(message)
