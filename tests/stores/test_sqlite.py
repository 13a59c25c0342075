"""The embedded store: shared by real processes through one file, and kept across restarts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import sys
from pathlib import Path

import pytest

from gateway.stores import SqliteStore, StoreUnavailable
from tests.stores.polling import DEADLINE, eventually, next_message

HOUR = 3600.0

# Runs in another process: `add` each key once and print which ones this process won.
ADD_SCRIPT = """
import asyncio, json, sys
from gateway.stores import SqliteStore

async def main(path, keys):
    store = SqliteStore(path)
    won = [key for key in keys if await store.add(key, sys.argv[3].encode())]
    await store.close()
    print(json.dumps(won))

asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
"""

# Runs in another process: subscribe, say "ready", print one message, publish a reply.
ECHO_SCRIPT = """
import asyncio, sys
from gateway.stores import SqliteStore

async def main(path):
    store = SqliteStore(path, poll_interval=0.05)
    async with store.subscribe("to-child") as messages:
        print("ready", flush=True)
        message = await anext(messages)
    await store.publish("to-parent", b"echo:" + message)
    await store.close()

asyncio.run(main(sys.argv[1]))
"""


async def python(*args: str) -> asyncio.subprocess.Process:
    """Start this interpreter on `args` with pipes for its output."""
    return await asyncio.create_subprocess_exec(
        sys.executable, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )


async def finish(process: asyncio.subprocess.Process) -> str:
    """The output of `process`, which must succeed before the deadline."""
    stdout, stderr = await asyncio.wait_for(process.communicate(), DEADLINE)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


async def test_add_wins_once_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    keys = json.dumps([f"jti-{i}" for i in range(20)])
    processes = [await python("-c", ADD_SCRIPT, path, keys, f"p{n}") for n in range(4)]
    outputs = [json.loads(await finish(p)) for p in processes]
    winners = sorted(key for won in outputs for key in won)
    assert winners == sorted(json.loads(keys))


async def test_messages_cross_between_processes(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db", poll_interval=0.05)
    child = await python("-c", ECHO_SCRIPT, str(tmp_path / "state.db"))
    try:
        assert child.stdout is not None
        ready = await asyncio.wait_for(child.stdout.readline(), DEADLINE)
        assert ready == b"ready\n"
        async with store.subscribe("to-parent") as replies:
            await store.publish("to-child", b"sid-7")
            assert await next_message(replies) == b"echo:sid-7"
        await finish(child)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await store.close()


async def test_instances_opening_a_new_file_at_once_all_work(tmp_path: Path) -> None:
    # Workers starting together race to create the file and switch it to WAL.
    for round_ in range(30):
        stores = [SqliteStore(tmp_path / str(round_) / "state.db") for _ in range(4)]
        try:
            takes = await asyncio.gather(*(s.take("k", 10, HOUR) for s in stores for _ in range(5)))
            assert sum(t.allowed for t in takes) == 10
        finally:
            for store in stores:
                await store.close()


async def test_values_and_buckets_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    before = SqliteStore(path)
    await before.set("revoked:sid-1", b"1", ttl=HOUR)
    await before.take("route", 2, HOUR)
    await before.take("route", 2, HOUR)
    await before.close()

    after = SqliteStore(path)
    try:
        assert await after.get("revoked:sid-1") == b"1"
        assert not (await after.take("route", 2, HOUR)).allowed
        assert await after.add("revoked:sid-1", b"2") is False
    finally:
        await after.close()


async def test_the_database_uses_write_ahead_logging(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state.db")
    await store.set("k", b"v")
    await store.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "state.db")) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_expired_rows_and_old_events_are_pruned(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = SqliteStore(path, retention=0.05, sweep_interval=0.0)
    try:
        for i in range(100):
            await store.set(f"k{i}", b"v", ttl=0.05)
            await store.publish("news", b"m")
            await store.take(f"b{i}", 5, 0.05)
        await store.set("keep", b"v")

        def rows() -> list[int]:
            with contextlib.closing(sqlite3.connect(path)) as db:
                tables = ("kv", "buckets", "events")
                return [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]

        async def pruned() -> bool:
            await store.set("tick", b"v")
            return rows() == [2, 0, 0]

        await eventually(pruned, "expired values, full buckets and old events to be pruned")
    finally:
        await store.close()


async def test_a_path_that_cannot_be_created_raises_store_unavailable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    store = SqliteStore(tmp_path / "file" / "state.db")
    try:
        with pytest.raises(StoreUnavailable) as caught:
            await store.set("k", b"v")
        assert isinstance(caught.value.__cause__, OSError)
    finally:
        await store.close()


async def test_the_folder_of_the_database_is_created(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "state" / "nested" / "gateway.db")
    await store.set("k", b"v")
    await store.close()
    assert (tmp_path / "state" / "nested" / "gateway.db").is_file()
