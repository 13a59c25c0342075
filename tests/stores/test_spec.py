"""The `store:` section of the config file, and opening the store it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import ConfigErrors
from gateway.stores import (
    MemoryStore,
    RedisStore,
    SqliteStore,
    StoreSpec,
    open_store,
)
from tests.support.redis_server import RedisServer

URL = "redis://127.0.0.1:6379/0"
SENTINEL = {"service": "main", "addresses": ["10.0.0.5:26379", "[::1]:26380"]}


@pytest.mark.parametrize(
    ("config", "path", "words"),
    [
        ({"redis": {}}, "$.store.redis", "exactly one of url or sentinel"),
        ({"redis": {"url": URL, "sentinel": SENTINEL}}, "$.store.redis", "exactly one of url or sentinel"),
        ({"redis": {"sentinel": {"addresses": ["h:1"]}}}, "$.store.redis.sentinel.service", "required"),
        ({"redis": {"sentinel": {**SENTINEL, "addresses": []}}}, "$.store.redis.sentinel.addresses", "at least 1"),
        ({"redis": {"sentinel": {**SENTINEL, "addresses": ["h:x"]}}}, "$.store.redis.sentinel.addresses", "host:port"),
        ({"redis": {"url": "http://127.0.0.1"}}, "$.store.redis.url", "not a Redis URL"),
        ({"redis": {"url": URL, "timeout": 0}}, "$.store.redis.timeout", "greater than 0"),
        ({"redis": {"url": URL, "timeout": "soon"}}, "$.store.redis.timeout", "not a duration"),
        ({"redis": {"url": URL, "pool": 3}}, "$.store.redis.pool", "not permitted"),
        ({"redis": "redis://x"}, "$.store.redis", "dictionary"),
        ({"embedded": {"file": "x.db"}}, "$.store.embedded.file", "not permitted"),
        ({"memory": {"size": 1}}, "$.store.memory.size", "not permitted"),
        ({"redsi": {"url": URL}}, "$.store.redsi", "did you mean 'redis'"),
        ({"redis": {"url": URL}, "memory": {}}, "$.store", "exactly one"),
        ("redis", "$.store", "expected an object"),
    ],
)
def test_bad_store_config_names_its_json_path(config: object, path: str, words: str) -> None:
    with pytest.raises(ConfigErrors) as caught:
        StoreSpec.from_config(config)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert words in message


def test_redis_config_takes_its_defaults() -> None:
    spec = StoreSpec.from_config({"redis": {"url": URL}})
    assert spec.kind == "redis" and spec.redis is not None
    assert (spec.redis.url, spec.redis.prefix, spec.redis.timeout) == (URL, "gateway:", 0.5)


def test_redis_timeout_may_be_a_duration() -> None:
    spec = StoreSpec.from_config({"redis": {"url": URL, "timeout": "250 ms", "prefix": "a:"}})
    assert spec.redis is not None
    assert (spec.redis.timeout, spec.redis.prefix) == (0.25, "a:")


def test_sentinel_config_names_the_sentinels_and_the_service() -> None:
    spec = StoreSpec.from_config({"redis": {"sentinel": {**SENTINEL, "db": 2, "password": "p"}}})
    assert spec.redis is not None and spec.redis.sentinel is not None and spec.redis.url is None
    target = spec.redis.sentinel.target()
    assert target.addresses == (("10.0.0.5", 26379), ("::1", 26380))
    assert (target.service, target.db, target.password, target.sentinel_password) == ("main", 2, "p", None)


@pytest.mark.parametrize("config", [None, {}, {"embedded": None}, {"embedded": {}}])
def test_the_default_store_is_the_embedded_file(config: object) -> None:
    assert StoreSpec.from_config(config) == StoreSpec(kind="embedded", path=Path("state/gateway.db"))


def test_embedded_config_takes_its_path() -> None:
    assert StoreSpec.from_config({"embedded": {"path": "/var/lib/g.db"}}).path == Path("/var/lib/g.db")


def test_memory_config_names_the_memory_store() -> None:
    assert StoreSpec.from_config({"memory": None}).kind == "memory"


def test_a_redis_kind_without_settings_is_refused() -> None:
    with pytest.raises(ValueError, match="redis settings"):
        StoreSpec(kind="redis")


async def test_open_store_opens_each_kind(tmp_path: Path, redis_server: RedisServer) -> None:
    specs = [
        StoreSpec.from_config({"memory": {}}),
        StoreSpec.from_config({"embedded": {"path": str(tmp_path / "g.db")}}),
        StoreSpec.from_config({"redis": {"url": redis_server.url}}),
    ]
    stores = [open_store(spec) for spec in specs]
    assert [type(s) for s in stores] == [MemoryStore, SqliteStore, RedisStore]
    for store in stores:
        await store.set("k", b"v")
        assert await store.get("k") == b"v"
        await store.close()
