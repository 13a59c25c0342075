"""Audit of authorization: one structured JSON line per decision (route, subject, action,
resource, decision, source `cache|pdp|error|pep`, PDP latency, reason), the decision counter, and
the decision as `${policy...}` and in capture records.

The lines are written in batches, a few times a second, straight to stderr as the JSON log lines
are: a decision served from the cache costs microseconds, and passing each line through the
`logging` machinery would cost more than the decision itself."""

from __future__ import annotations

import asyncio
import atexit
import sys
import time
from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from typing import Any

from gateway.oauth.authzen import Evaluation
from gateway.policy.decision import Decision
from gateway.services import ServiceKey, Services

LOGGER = "gateway.authz"
PIPE_BUF = 4096


def _s(value: Any) -> str:
    """A JSON string (any value as its text)."""
    return encode_basestring_ascii(value if isinstance(value, str) else str(value))


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


class AuditLog:
    """Decision lines of one process, flushed every `interval` seconds and at exit."""

    def __init__(self, write: Callable[[str], Any] | None = None, interval: float = 0.2) -> None:
        self._write = write
        self.interval = interval
        self._pending: list[str] = []
        self._timer: asyncio.TimerHandle | None = None
        self._second, self._stamp = -1, ""
        atexit.register(self.flush)

    def record(
        self, route: str, request_id: str, question: Evaluation, outcome: str, source: str, latency: float | None,
        reason: str,
    ) -> None:  # fmt: skip
        """Queue one line; `outcome` is permit, deny or error."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        # Written by hand from escaped strings: several times cheaper than json.dumps of a dict.
        line = (
            f'{{"ts": "{self._stamp}.{int(now % 1 * 1000):03d}Z", "level": "info", "logger": "{LOGGER}", '
            f'"msg": "authz {outcome}", "request_id": {_s(request_id)}, "route": {_s(route)}, "authz": {{'
            f'"subject": {_s(question.subject.get("id"))}, "action": {_s(question.action.get("name"))}, '
            f'"resource": {_s(question.resource.get("id"))}, "decision": "{outcome}", "source": "{source}", '
            f'"pdp_latency": {"null" if latency is None else repr(latency)}, "reason": {_s(reason)}}}}}'
        )
        self._pending.append(line)
        if self._timer is None:
            try:
                self._timer = asyncio.get_running_loop().call_later(self.interval, self.flush)
            except RuntimeError:  # no loop (a unit test): write now
                self.flush()

    def flush(self) -> None:
        """Write the queued lines."""
        self._timer = None
        if not self._pending:
            return
        write = self._write or sys.stderr.write
        chunk: list[str] = []
        size = 0
        # Chunks of at most PIPE_BUF bytes: with several workers on one pipe, each write stays whole.
        for line in self._pending:
            if chunk and size + len(line) + 1 > PIPE_BUF:
                write("\n".join(chunk) + "\n")
                chunk, size = [], 0
            chunk.append(line)
            size += len(line) + 1
        write("\n".join(chunk) + "\n")
        self._pending.clear()


AUDIT = ServiceKey(LOGGER, AuditLog)


def audit_log(services: Services) -> AuditLog:
    """The process's audit log, kept on the services."""
    return services.feature(AUDIT) or services.add_feature(AUDIT, AuditLog())
