"""Audit of authorization: one structured log line per decision, the decision counter and the PDP
latency histogram, and the decision as `${policy...}` and in capture records."""

from __future__ import annotations

import logging
from typing import Any

from gateway.oauth.authzen import Evaluation
from gateway.policy.decision import Decision

log = logging.getLogger("gateway.authz")


def decision_view(decision: Decision, source: str) -> dict[str, Any]:
    """What `${policy.*}` and capture records show: decision, attributes, advices, source."""
    return {
        "decision": "permit" if decision.allowed else "deny",
        "allowed": decision.allowed,
        "attributes": {k: list(v) for k, v in decision.attributes.items()},
        "advices": {k: list(v) for k, v in decision.advices.items()},
        "source": source,
        "reason": decision.reason_admin,
    }


def audit(
    metrics: Any, route: str, request_id: str, question: Evaluation, outcome: str, source: str,
    latency: float | None, reason: str,
) -> None:  # fmt: skip
    """Log one decision and count it; `outcome` is permit, deny or error."""
    if metrics is not None:
        metrics.authz_decisions.labels(route, outcome, source).inc()
    log.info(
        "authz %s %s %s %s on %s: %s (%s)",
        request_id, outcome, question.subject.get("id"), question.action.get("name"), question.resource.get("id"),
        reason, source,
        extra={"request_id": request_id, "route": route, "authz": {
            "subject": question.subject.get("id"), "action": question.action.get("name"),
            "resource": question.resource.get("id"), "decision": outcome, "source": source,
            "pdp_latency": latency, "reason": reason,
        }},
    )  # fmt: skip
