"""A PDP's answer and the one interface every PDP (built-in, AuthZEN, OpenAM) offers its PEPs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from gateway.errors import Unavailable
from gateway.oauth.authzen import Evaluation

NO_VALUES: Mapping[str, tuple[str, ...]] = {}


@dataclass(frozen=True, slots=True)
class Decision:
    """Permit or deny, with why (`reason_admin` for logs only), advices and attributes."""

    allowed: bool
    reason_admin: str = ""
    reason_user: str = ""
    advices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Seconds the PDP lets the answer be reused; None: the PEP's own bound applies.
    ttl: float | None = None

    def context(self) -> dict[str, Any]:
        """The AuthZEN response `context`: reasons, advices (`acr_values` first-class) and attributes."""
        out: dict[str, Any] = {}
        if self.reason_admin:
            out["reason_admin"] = {"en": self.reason_admin}
        if self.reason_user:
            out["reason_user"] = {"en": self.reason_user}
        if self.advices:
            out["advices"] = {k: list(v) for k, v in self.advices.items()}
            if "acr_values" in self.advices:
                out["acr_values"] = " ".join(self.advices["acr_values"])
        if self.attributes:
            out["attributes"] = {k: list(v) for k, v in self.attributes.items()}
        return out

    def as_json(self) -> dict[str, Any]:
        """The AuthZEN decision object."""
        context = self.context()
        return {"decision": self.allowed, "context": context} if context else {"decision": self.allowed}


DENY_SKIPPED = Decision(False, "not evaluated: an earlier item was denied (deny_on_first_deny)")


class PdpError(Unavailable, code="pdp_unavailable", public="Authorization is unavailable; try again later."):
    """The PDP could not be asked or gave no usable answer: the request is refused, never forwarded."""


class Pdp(Protocol):
    """What a PEP asks: one question, or several that must all be permitted."""

    name: str

    async def evaluate(self, question: Evaluation, request_id: str) -> Decision:
        """The decision on one question; raises PdpError when there is no usable answer."""
        ...

    async def evaluate_all(self, questions: list[Evaluation], request_id: str) -> list[Decision]:
        """Decisions in order, stopping at the first deny (the rest count as denied)."""
        ...
