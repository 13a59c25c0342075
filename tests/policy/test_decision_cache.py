"""The decision cache: TTLs (a PDP's shorter one wins), the LRU bound, the subject index and
single flight; and the audit lines."""

from __future__ import annotations

import asyncio
import json

from gateway.oauth.authzen import Evaluation
from gateway.policy.audit import AuditLog
from gateway.policy.cache import DecisionCache
from gateway.policy.decision import Decision

PERMIT, DENY = Decision(True), Decision(False)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_permits_and_denies_live_for_their_own_ttls() -> None:
    clock = Clock()
    cache = DecisionCache(10, ttl=60, deny_ttl=5, clock=clock)
    cache.put("p", "alice", PERMIT)
    cache.put("d", "alice", DENY)
    clock.now += 5
    assert (cache.get("p"), cache.get("d")) == (PERMIT, None)
    clock.now += 55
    assert cache.get("p") is None


def test_a_pdp_ttl_shorter_than_the_bound_wins() -> None:
    clock = Clock()
    cache = DecisionCache(10, ttl=60, deny_ttl=5, clock=clock)
    cache.put("p", "alice", Decision(True, ttl=2))
    clock.now += 2
    assert cache.get("p") is None


def test_the_least_recently_used_goes_past_the_bound() -> None:
    cache = DecisionCache(2, ttl=60, deny_ttl=5)
    cache.put("a", "alice", PERMIT)
    cache.put("b", "bob", PERMIT)
    assert cache.get("a") is PERMIT
    cache.put("c", "carol", PERMIT)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (PERMIT, None, PERMIT)
    assert cache.drop_subject("bob") == 0  # evicted entries left the subject index too


def test_dropping_a_subject_forgets_only_its_decisions() -> None:
    cache = DecisionCache(10, ttl=60, deny_ttl=5)
    for key, subject in (("a1", "alice"), ("a2", "alice"), ("b1", "bob")):
        cache.put(key, subject, PERMIT)
    assert cache.drop_subject("alice") == 2
    assert (cache.get("a1"), cache.get("a2"), cache.get("b1")) == (None, None, PERMIT)


async def test_concurrent_identical_questions_make_one_call() -> None:
    cache = DecisionCache(10, ttl=60, deny_ttl=5)
    calls = 0
    release = asyncio.Event()

    async def ask() -> Decision:
        nonlocal calls
        calls += 1
        await release.wait()
        return PERMIT

    waiting = [asyncio.create_task(cache.fetch("q", "alice", ask)) for _ in range(20)]
    await asyncio.sleep(0.01)
    release.set()
    answers = await asyncio.gather(*waiting)
    assert calls == 1
    assert sorted(source for _, source in answers) == ["cache"] * 19 + ["pdp"]


async def test_a_failed_call_is_not_cached_and_reaches_every_waiter() -> None:
    cache = DecisionCache(10, ttl=60, deny_ttl=5)

    async def ask() -> Decision:
        await asyncio.sleep(0.01)
        raise RuntimeError("pdp down")

    results = await asyncio.gather(*(cache.fetch("q", "alice", ask) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert cache.get("q") is None


def test_audit_lines_are_json_whatever_the_values() -> None:
    written: list[str] = []
    log = AuditLog(written.append)
    subject = {"type": "identity", "id": 'al"ice\\\n\u00e9'}
    question = Evaluation(subject, {"name": "GET"}, {"type": "route", "id": "/t"})
    log.record("r\u2028", "id-1", question, "deny", "pdp", 0.0123, "no policy permits 'x' \"y\"")
    log.flush()
    line = json.loads("".join(written))
    assert line["authz"]["subject"] == 'al"ice\\\n\u00e9' and line["route"] == "r\u2028"
    assert line["authz"]["pdp_latency"] == 0.0123 and line["logger"] == "gateway.authz"


def test_audit_lines_are_written_in_whole_lines_of_at_most_a_pipe_buffer() -> None:
    written: list[str] = []
    log = AuditLog(written.append)
    question = Evaluation({"type": "identity", "id": "alice"}, {"name": "GET"}, {"type": "route", "id": "/t"})
    for index in range(200):
        log.record("r", f"id-{index}", question, "permit", "cache", None, "x" * 50)
    log.flush()
    assert len(written) > 1 and all(len(chunk.encode()) <= 4096 and chunk.endswith("\n") for chunk in written)
    assert [json.loads(line)["request_id"] for line in "".join(written).splitlines()] == [f"id-{i}" for i in range(200)]
