"""CaptureDecorator: how captured messages are recorded — entities, context, masks and format."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Literal, Self

from pydantic import Field

from gateway.capture.format import render_jsonl, render_text
from gateway.capture.heads import RequestHead, ResponseHead, render_request, render_response
from gateway.capture.masks import DEFAULT_HEADERS, DEFAULT_MASK, Masks
from gateway.capture.relayedheads import RelayedHeads
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.capture.message import Message
    from gateway.heap.context import BuildContext


class MaskConfig(ConfigModel):
    """Which header values are replaced before a record is written."""

    headers: list[str] = Field(
        default_factory=list, description="Regexes of header names (whole name, any case) whose values are masked."
    )
    mask: str = Field(DEFAULT_MASK, description="What a masked value is replaced by.")
    defaults: bool = Field(
        True,
        description="Also mask Authorization, Proxy-Authorization, Cookie, Set-Cookie, API-key and X-Auth-Token "
        "headers; false records them in clear.",
    )


class CaptureDecorator:
    """Records the messages passing decorated objects to per-route capture files.

    Every heap has one named `capture` with the defaults, so `"capture": ["request", "response"]`
    works alone; declare another and name it with `"capture": {"decorator": "mine", "points": [...]}`."""

    class Config(ConfigModel):
        captureEntity: bool = Field(False, description="Record bodies: text up to maxEntityLength, else a marker.")
        captureContext: bool = Field(False, description="Record the identity and attributes as JSON.")
        maxEntityLength: int = Field(512 * 1024, ge=0, description="Body bytes recorded at most; the rest is counted.")
        masks: MaskConfig = Field(default_factory=MaskConfig, description="Header values to mask.")
        format: Literal["text", "jsonl"] = Field("text", description="text (OpenIG's layout) or jsonl.")

    def __init__(self, entity: bool, context: bool, limit: int, masks: Masks, jsonl: bool) -> None:
        self.capture_entity = entity
        self.capture_context = context
        self.max_entity = limit
        self.masks = masks
        self._render = render_jsonl if jsonl else render_text
        # Headers only, as text: the common case, taken as plain tuples and rendered by C-level joins.
        self.heads = not (entity or context or jsonl)
        self.render_request: Callable[[RequestHead], str] = partial(render_request, masks)
        self.render_response: Callable[[ResponseHead], str] = partial(render_response, masks, RelayedHeads(masks))

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Compile the masks once."""
        patterns = [*(DEFAULT_HEADERS if config.masks.defaults else ()), *config.masks.headers]
        compiled: list[re.Pattern[str]] = []
        for index, pattern in enumerate(patterns):
            try:
                compiled.append(re.compile(pattern, re.IGNORECASE))
            except re.error as exc:
                at = index - (len(patterns) - len(config.masks.headers))
                ctx.error(f"masks.headers[{at}]", f"invalid regex {pattern!r}: {exc}")
        masks = Masks(compiled, config.masks.mask)
        jsonl = config.format == "jsonl"
        return cls(config.captureEntity, config.captureContext, config.maxEntityLength, masks, jsonl)

    def render(self, message: Message) -> str:
        """The record as written to the file (called by the writer thread)."""
        return self._render(message, self.masks)
