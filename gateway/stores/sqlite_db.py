"""The SQLite side of the embedded store: schema and blocking statements, run off the loop.

Times are wall-clock seconds (`time.time()`), the one clock that every process of the machine
shares and that survives a restart.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from gateway.stores import bucket
from gateway.stores.base import Take

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires REAL);
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires) WHERE expires IS NOT NULL;
CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL,
                                    last REAL NOT NULL, full_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS buckets_full_at ON buckets (full_at);
-- AUTOINCREMENT: ids are never reused after pruning, so a subscriber's cursor stays valid.
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL,
                                   message BLOB NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS events_created ON events (created);
CREATE TABLE IF NOT EXISTS schedule (key TEXT NOT NULL, member TEXT NOT NULL, due REAL NOT NULL,
                                     PRIMARY KEY (key, member));
CREATE INDEX IF NOT EXISTS schedule_due ON schedule (key, due);
"""

Event = tuple[int, str, bytes]


def connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open (creating if needed) the database in WAL mode, in autocommit mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
    try:
        _prepare(db, time.monotonic() + busy_timeout)
    except BaseException:
        db.close()
        raise
    return db


def _prepare(db: sqlite3.Connection, deadline: float) -> None:
    """Switch to WAL and create the schema, retrying while another process does the same.

    Changing the journal mode of a new file needs an exclusive lock, and SQLite answers "locked"
    at once, without its busy handler, when processes race to do it.
    """
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def get(db: sqlite3.Connection, key: str) -> bytes | None:
    """The live value of `key`."""
    sql = "SELECT value FROM kv WHERE key = ? AND (expires IS NULL OR expires > ?)"
    row = db.execute(sql, (key, time.time())).fetchone()
    return None if row is None else bytes(row[0])


def put(db: sqlite3.Connection, key: str, value: bytes, ttl: float | None) -> None:
    """Store `value`, replacing any previous one."""
    db.execute(
        "INSERT OR REPLACE INTO kv (key, value, expires) VALUES (?, ?, ?)",
        (key, value, _expiry(ttl, time.time())),
    )


def add(db: sqlite3.Connection, key: str, value: bytes, ttl: float | None) -> bool:
    """Store `value` unless a live one exists; one statement, so atomic across processes."""
    now = time.time()
    cursor = db.execute(
        "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE"
        " SET value = excluded.value, expires = excluded.expires"
        " WHERE kv.expires IS NOT NULL AND kv.expires <= ?",
        (key, value, _expiry(ttl, now), now),
    )
    return cursor.rowcount == 1


def delete(db: sqlite3.Connection, key: str) -> None:
    """Remove `key`."""
    db.execute("DELETE FROM kv WHERE key = ?", (key,))


def take(db: sqlite3.Connection, key: str, capacity: int, period: float, cost: int) -> Take:
    """Refill and take from a bucket inside one write transaction."""
    db.execute("BEGIN IMMEDIATE")
    with db:  # commits, or rolls back on error
        # Read the clock once the lock is held, so that `last` only moves forward.
        now = time.time()
        row = db.execute("SELECT tokens, last FROM buckets WHERE key = ?", (key,)).fetchone()
        tokens, last = (None, now) if row is None else (float(row[0]), float(row[1]))
        tokens, result = bucket.take(tokens, last, now, capacity, period, cost)
        if result.allowed:
            db.execute(
                "INSERT OR REPLACE INTO buckets (key, tokens, last, full_at) VALUES (?, ?, ?, ?)",
                (key, tokens, now, now + result.reset),
            )
    return result


def schedule(db: sqlite3.Connection, key: str, member: str, due: float) -> None:
    """Put `member` on the schedule `key`, due at `due`."""
    db.execute("INSERT OR REPLACE INTO schedule (key, member, due) VALUES (?, ?, ?)", (key, member, due))


def claim_due(db: sqlite3.Connection, key: str, now: float, lease: float, limit: int) -> list[str]:
    """Members due by `now`, earliest first, moved to `now + lease` inside one write transaction."""
    db.execute("BEGIN IMMEDIATE")
    with db:  # commits, or rolls back on error
        rows = db.execute(
            "SELECT member FROM schedule WHERE key = ? AND due <= ? ORDER BY due LIMIT ?", (key, now, limit)
        ).fetchall()
        members = [str(row[0]) for row in rows]
        db.executemany(
            "UPDATE schedule SET due = ? WHERE key = ? AND member = ?", [(now + lease, key, m) for m in members]
        )
    return members


def unschedule(db: sqlite3.Connection, key: str, member: str) -> None:
    """Take `member` off the schedule `key`."""
    db.execute("DELETE FROM schedule WHERE key = ? AND member = ?", (key, member))


def earliest(db: sqlite3.Connection, key: str, limit: int) -> list[str]:
    """Up to `limit` members of the schedule `key`, earliest first, unchanged."""
    rows = db.execute("SELECT member FROM schedule WHERE key = ? ORDER BY due LIMIT ?", (key, limit)).fetchall()
    return [str(row[0]) for row in rows]


def count(db: sqlite3.Connection, key: str) -> int:
    """How many members the schedule `key` holds."""
    return int(db.execute("SELECT count(*) FROM schedule WHERE key = ?", (key,)).fetchone()[0])


def lease(db: sqlite3.Connection, key: str, holder: bytes, ttl: float) -> bool:
    """Take `key` when free (absent or expired) or extend it when `holder` has it; one statement."""
    now = time.time()
    cursor = db.execute(
        "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE"
        " SET value = excluded.value, expires = excluded.expires"
        " WHERE kv.value = excluded.value OR (kv.expires IS NOT NULL AND kv.expires <= ?)",
        (key, holder, now + ttl, now),
    )
    return cursor.rowcount == 1


def release(db: sqlite3.Connection, key: str, holder: bytes) -> None:
    """Delete `key` only if `holder` has it."""
    db.execute("DELETE FROM kv WHERE key = ? AND value = ?", (key, holder))


def publish(db: sqlite3.Connection, channel: str, message: bytes) -> None:
    """Append one event for the pollers of every process."""
    db.execute(
        "INSERT INTO events (channel, message, created) VALUES (?, ?, ?)",
        (channel, message, time.time()),
    )


def last_event(db: sqlite3.Connection) -> int:
    """The id of the newest event (0 when none)."""
    return int(db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])


def events_after(db: sqlite3.Connection, after: int, limit: int) -> list[Event]:
    """Events newer than `after`, oldest first."""
    rows = db.execute(
        "SELECT id, channel, message FROM events WHERE id > ? ORDER BY id LIMIT ?", (after, limit)
    ).fetchall()
    return [(int(i), str(c), bytes(m)) for i, c, m in rows]


def sweep(db: sqlite3.Connection, retention: float) -> None:
    """Delete expired values, buckets that have refilled and events older than `retention`."""
    now = time.time()
    db.execute("DELETE FROM kv WHERE expires <= ?", (now,))
    db.execute("DELETE FROM buckets WHERE full_at <= ?", (now,))
    db.execute("DELETE FROM events WHERE created < ?", (now - retention,))


def _expiry(ttl: float | None, now: float) -> float | None:
    return None if ttl is None else now + ttl
