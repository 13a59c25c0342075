"""OpenID AuthZEN Authorization API 1.0: the evaluation messages, batches and PDP metadata.

§5-§6 (subject, resource, action, context; the access evaluation request and its decision),
§7 (the evaluations batch: defaults at the top, per-item overrides, `evaluations_semantic`),
§9 (PDP metadata at `/.well-known/authzen-configuration`, inserted between host and path).
Plain data and parsing only: no HTTP server or client here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yarl import URL

WELL_KNOWN = "/.well-known/authzen-configuration"
EVALUATION_PATH = "/access/v1/evaluation"
EVALUATIONS_PATH = "/access/v1/evaluations"
EXECUTE_ALL = "execute_all"
DENY_ON_FIRST_DENY = "deny_on_first_deny"
PERMIT_ON_FIRST_PERMIT = "permit_on_first_permit"
SEMANTICS = (EXECUTE_ALL, DENY_ON_FIRST_DENY, PERMIT_ON_FIRST_PERMIT)


class AuthZenError(ValueError):
    """A message that does not follow the specification; the text names the member."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One access evaluation request (§6.1): may `subject` do `action` on `resource`, in `context`?"""

    subject: dict[str, Any]
    action: dict[str, Any]
    resource: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The request body."""
        body = {"subject": self.subject, "action": self.action, "resource": self.resource}
        return body | {"context": self.context} if self.context else body

    def key(self) -> tuple[Any, ...]:
        """A hashable canonical form of the whole question, for caches (cheaper than JSON text)."""
        return (_frozen(self.subject), _frozen(self.action), _frozen(self.resource), _frozen(self.context))


def _frozen(value: Any) -> Any:
    if not value:
        return value if not isinstance(value, dict | list) else ()
    if isinstance(value, dict):
        items = tuple(sorted(value.items()))
        try:
            hash(items)  # the common case: flat members of strings and numbers
        except TypeError:
            return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
        return items
    if isinstance(value, list | tuple):
        return ("[", *(_frozen(v) for v in value))
    return value


@dataclass(frozen=True, slots=True)
class Batch:
    """An evaluations request (§7): items already merged with the top-level defaults."""

    items: tuple[Evaluation, ...]
    semantic: str = EXECUTE_ALL


def _entity(doc: dict[str, Any], name: str, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    value = doc.get(name)
    if not isinstance(value, dict):
        raise AuthZenError(f"{where}{name}: required, a JSON object")
    for key in keys:
        if not isinstance(value.get(key), str) or not value[key]:
            raise AuthZenError(f"{where}{name}.{key}: required, a non-empty string")
    if "properties" in value and not isinstance(value["properties"], dict):
        raise AuthZenError(f"{where}{name}.properties: must be a JSON object")
    return value


def parse_evaluation(doc: Any, where: str = "") -> Evaluation:
    """An Evaluation from a parsed request body; raises AuthZenError naming the bad member."""
    if not isinstance(doc, dict):
        raise AuthZenError(f"{where or 'body'}: must be a JSON object")
    context = doc.get("context", {})
    if not isinstance(context, dict):
        raise AuthZenError(f"{where}context: must be a JSON object")
    return Evaluation(
        _entity(doc, "subject", where, ("type", "id")),
        _entity(doc, "action", where, ("name",)),
        _entity(doc, "resource", where, ("type", "id")),
        context,
    )


def parse_batch(doc: Any) -> Batch:
    """A Batch: each item inherits the top-level subject, action, resource and context it omits (§7.1)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("evaluations"), list):
        raise AuthZenError("evaluations: required, a JSON array")
    options = doc.get("options", {})
    semantic = options.get("evaluations_semantic", EXECUTE_ALL) if isinstance(options, dict) else None
    if semantic not in SEMANTICS:
        raise AuthZenError(f"options.evaluations_semantic: one of {', '.join(SEMANTICS)}")
    defaults = {k: doc[k] for k in ("subject", "action", "resource", "context") if k in doc}
    items = []
    for index, item in enumerate(doc["evaluations"]):
        if not isinstance(item, dict):
            raise AuthZenError(f"evaluations[{index}]: must be a JSON object")
        items.append(parse_evaluation(defaults | item, f"evaluations[{index}]."))
    return Batch(tuple(items), semantic)


def batch_json(items: list[Evaluation], semantic: str) -> dict[str, Any]:
    """An evaluations request body with one item per question (no defaults factored out)."""
    return {"evaluations": [item.as_json() for item in items], "options": {"evaluations_semantic": semantic}}


def parse_decision(doc: Any) -> tuple[bool, dict[str, Any]]:
    """(decision, context) from a response; raises AuthZenError unless `decision` is a JSON boolean (§6.2)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("decision"), bool):
        raise AuthZenError("decision: required, a JSON boolean")
    context = doc.get("context", {})
    return doc["decision"], context if isinstance(context, dict) else {}


def parse_decisions(doc: Any) -> list[tuple[bool, dict[str, Any]]]:
    """Each decision of an evaluations response, in request order (§7.2)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("evaluations"), list):
        raise AuthZenError("evaluations: required, a JSON array of decisions")
    return [parse_decision(item) for item in doc["evaluations"]]


def metadata_url(pdp: str) -> str:
    """Where the metadata of PDP identifier `pdp` lives: the well-known segment goes between host and path (§9.2)."""
    url = URL(pdp)
    path = url.path.rstrip("/")
    return str(url.with_path(WELL_KNOWN + path, encoded=False).with_query(None))


def metadata(pdp: str) -> dict[str, str]:
    """The metadata document of a PDP serving both endpoints under identifier `pdp` (§9.1)."""
    base = pdp.rstrip("/")
    return {
        "policy_decision_point": pdp,
        "access_evaluation_endpoint": base + EVALUATION_PATH,
        "access_evaluations_endpoint": base + EVALUATIONS_PATH,
    }
