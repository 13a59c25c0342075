"""Shared state: key/values with expiry, token buckets and pub/sub, in memory, SQLite or Redis."""

from __future__ import annotations

from gateway.stores.base import Store, StoreUnavailable, Subscription, Take
from gateway.stores.memory import MemoryStore
from gateway.stores.redis import RedisStore
from gateway.stores.spec import EmbeddedSpec, MemorySpec, RedisSpec, SentinelSpec, StoreSpec
from gateway.stores.sqlite import SqliteStore

__all__ = [
    "EmbeddedSpec",
    "MemorySpec",
    "MemoryStore",
    "RedisSpec",
    "RedisStore",
    "SentinelSpec",
    "SqliteStore",
    "Store",
    "StoreSpec",
    "StoreUnavailable",
    "Subscription",
    "Take",
    "open_store",
]


def open_store(spec: StoreSpec) -> Store:
    """The store `spec` describes; connections open on first use."""
    if spec.kind == "memory":
        return MemoryStore()
    if spec.kind == "redis":
        if spec.redis is None:
            raise ValueError("a redis store needs redis settings")
        redis = spec.redis
        sentinel = redis.sentinel.target() if redis.sentinel else None
        return RedisStore(redis.url, sentinel=sentinel, prefix=redis.prefix, timeout=redis.timeout)
    return SqliteStore(spec.path)
