"""FileAttributesFilter: looks a record up in a delimiter-separated file and stores it in a target.

The file is read once, when the route loads (touching the route file reloads it), and indexed by
the key field, so a request costs one dictionary lookup."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

from aiohttp import web
from pydantic import Field

from gateway.heap.targets import SUPPORTED, Target, compile_target
from gateway.keys import EXCHANGE
from gateway.validation import ConfigModel

if TYPE_CHECKING:
    from gateway.contract import HandlerFn
    from gateway.expressions import Expression
    from gateway.heap.context import BuildContext

_DIALECTS = {"COMMA": ",", "TAB": "\t", "COLON": ":"}


@dataclass(eq=False)
class FileAttributesFilter:
    """Finds the record whose `key` field equals `value` (an expression); an empty map when none does."""

    class Config(ConfigModel):
        file: str = Field(description="The file; a relative path is taken from the routes folder.")
        charset: str = Field("UTF-8", description="The file's character set.")
        separator: Literal["COMMA", "TAB", "COLON"] = Field("COMMA", description="COMMA, TAB or COLON.")
        header: bool = Field(True, description="The first row names the fields (and is not a record).")
        fields: list[str] | None = Field(None, description="Field names in column order, over the header row.")
        target: str = Field(description=f"Where the record goes: {SUPPORTED}.")
        key: str = Field(description="The field to look the record up by.")
        value: str = Field(description="The key value to find (an expression, evaluated per request).")

    records: dict[str, dict[str, str]]
    target: Target | None
    value: Expression

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self:
        """Read and index the file once."""
        target = compile_target(config.target, "target", ctx)
        value = ctx.expression(config.value, "value")
        path = Path(config.file)
        if not path.is_absolute():
            path = Path(ctx.settings.routes) / path
        try:
            rows = _rows(path, config)
        except (OSError, LookupError, UnicodeError, csv.Error) as exc:
            ctx.error("file", f"cannot read {str(path)!r}: {exc}")
            return cls({}, target, value)
        names = config.fields or (rows[0] if config.header and rows else None)
        body = rows[1:] if config.header else rows
        if names is None:
            names = [str(index) for index in range(max((len(row) for row in body), default=0))]
        if config.key not in names:
            ctx.error("key", f"{config.key!r} is not one of the fields {names}")
        records: dict[str, dict[str, str]] = {}
        for row in body:
            record = dict(zip(names, row, strict=False))
            records.setdefault(record.get(config.key, ""), record)
        return cls(records, target, value)

    async def filter(self, request: web.BaseRequest, next: HandlerFn) -> web.StreamResponse:
        """Store the matching record, then go on."""
        exchange = request[EXCHANGE]
        if self.target is not None:
            record = self.records.get(self.value.as_str(exchange.scope), {})
            self.target.assign(request, exchange, dict(record))
        return await next(request)


def _rows(path: Path, config: FileAttributesFilter.Config) -> list[list[str]]:
    with path.open(encoding=config.charset, newline="") as handle:
        if config.separator == "COLON":
            # Unix style (as /etc/passwd): backslash escapes, no quoting.
            reader = csv.reader(handle, delimiter=":", quoting=csv.QUOTE_NONE, escapechar="\\")
        else:
            reader = csv.reader(handle, delimiter=_DIALECTS[config.separator])
        return [row for row in reader if row]
