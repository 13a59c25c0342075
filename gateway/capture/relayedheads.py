"""A relayed answer's header lines for a record, rendered from the upstream's bytes.

A relayed answer nothing has read is recorded as what its headers will be built from
(`http.defaults.Unbuilt`: the upstream's fields as llhttp gave them, and the defaults given so far).
Building them (`http.defaults.built`) decodes each field in a Python step and fills a `CIMultiDict`.
Here everything that depends only on the sequence of field names and the defaults given — which
fields are hop-by-hop, which values are masked, which defaults are added — is worked out once, as a
template holding the names, and a record is the template filled with the values and decoded, in C.
The text is exactly `Masks.block(built(unbuilt))`; anything unusual — a name beyond ASCII, a
Connection header naming fields to drop, defaults that replace fields (`Defaults.replace`) — takes that
decoded way instead."""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from gateway.http.defaults import built
from gateway.http.forwarding import HOP_BY_HOP_BYTES, names_nothing

if TYPE_CHECKING:
    from gateway.capture.masks import Masks
    from gateway.http.defaults import Defaults, Unbuilt

# Plans and templates kept at most: hostile upstreams could send endless sequences of names.
_CACHE_LIMIT = 1024
_TEMPLATES_LIMIT = 64
_NOTHING = itemgetter(slice(0, 0))


class _Plan(NamedTuple):
    """What a sequence of field names decides: the values a template takes (all when `pick` is None),
    the Connection fields whose values must name nothing, the template lines of the fields kept and
    their names (lower-case), and the whole template per tuple of defaults given."""

    pick: Callable[[tuple[bytes, ...]], object] | None
    connection: tuple[int, ...]
    lines: bytes
    present: frozenset[bytes]
    templates: dict[tuple[Defaults, ...], bytes | None]


class RelayedHeads:
    """Header blocks of unbuilt answers for one decorator's masks (used by the writer thread only)."""

    def __init__(self, masks: Masks) -> None:
        self.masks = masks
        try:
            # The decoded block gives the mask back only if it is proper text; else the decoded way.
            self._mask: bytes | None = _escaped(masks.mask.encode("utf-8"))
        except UnicodeEncodeError:
            self._mask = None
        self._plans: dict[tuple[bytes, ...], _Plan | None] = {}
        self._defaults: dict[Defaults, tuple[tuple[bytes, bytes], ...] | None] = {}

    def block(self, unbuilt: Unbuilt) -> str:
        """The record's header lines, each ending in a newline: `Masks.block` of the built headers."""
        text = self._from_bytes(unbuilt)
        return self.masks.block(built(unbuilt)) if text is None else text

    def _from_bytes(self, unbuilt: Unbuilt) -> str | None:
        raw, given = unbuilt
        names, values = zip(*raw, strict=True) if raw else ((), ())
        try:
            plan = self._plans[names]
        except KeyError:
            plan = self._plan(names)
        if plan is None:
            return None
        for at in plan.connection:
            if not names_nothing(values[at]):
                return None
        try:
            template = plan.templates[given]
        except KeyError:
            template = self._template(plan, given)
        if template is None:
            return None
        filled = template % (values if plan.pick is None else plan.pick(values))
        return filled.decode("utf-8", "surrogateescape")

    def _plan(self, names: tuple[bytes, ...]) -> _Plan | None:
        """The plan for `names`, kept for the next answer with them; None for names beyond ASCII."""
        plan = None
        if self._mask is not None and b"".join(names).isascii():
            lowered = [name.lower() for name in names]
            connection = tuple(at for at, lower in enumerate(lowered) if lower == b"connection")
            kept = [at for at, lower in enumerate(lowered) if lower not in HOP_BY_HOP_BYTES]
            hidden = {at for at in kept if self.masks.hides(names[at].decode())}
            mask = self._mask
            lines = b"".join(_escaped(names[at]) + b": " + (mask if at in hidden else b"%s") + b"\n" for at in kept)
            picked = [at for at in kept if at not in hidden]
            pick = None if len(picked) == len(names) else _NOTHING if not picked else itemgetter(*picked)
            present = frozenset(lowered[at] for at in kept)
            plan = _Plan(pick, connection, lines, present, {})
        if len(self._plans) >= _CACHE_LIMIT:
            self._plans.clear()
        self._plans[names] = plan
        return plan

    def _template(self, plan: _Plan, given: tuple[Defaults, ...]) -> bytes | None:
        """The plan's lines and those of the defaults added where absent, in order; None if one of
        them is not a plain setdefault."""
        added: list[bytes] = []
        names = set(plan.present)
        for defaults in given:
            try:
                lines = self._defaults[defaults]
            except KeyError:
                lines = self._lines(defaults)
            if lines is None:
                template = None
                break
            for lower, line in lines:
                if lower not in names:
                    names.add(lower)
                    added.append(line)
        else:
            template = b"".join((plan.lines, *added))
        if len(plan.templates) >= _TEMPLATES_LIMIT:
            plan.templates.clear()
        plan.templates[given] = template
        return template

    def _lines(self, defaults: Defaults) -> tuple[tuple[bytes, bytes], ...] | None:
        """`defaults` as (lower-case name, template line); None for fields that replace or need aiohttp's serialiser."""
        lines = None
        # Fields that replace (a throttle's) go the decoded way, where `add_to` sets them in place.
        if defaults.lines is not None and not defaults.replace:
            masks = self.masks
            lines = tuple(
                (lower, _escaped(f"{name}: {masks.value(name, value)}\n".encode()))
                for (lower, _), (name, value) in zip(defaults.lines, defaults.pairs, strict=True)
            )
        if len(self._defaults) >= _CACHE_LIMIT:
            self._defaults.clear()
        self._defaults[defaults] = lines
        return lines


def _escaped(text: bytes) -> bytes:
    """`text` as a literal part of a `bytes % values` template."""
    return text.replace(b"%", b"%%")
