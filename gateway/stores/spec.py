"""Which store to open, from the config file's `store:` section.

Users write one of `{memory: {}}`, `{embedded: {path: ...}}` or `{redis: {url: ...}}`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gateway.durations import parse_duration
from gateway.errors import ConfigError, ConfigErrors
from gateway.stores.redis_pool import SentinelTarget

DEFAULT_PATH = Path("state/gateway.db")
_SCHEMES = ("redis://", "rediss://", "unix://")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemorySpec(_Section):
    """State kept in each worker process only; lost on restart."""


class EmbeddedSpec(_Section):
    """A SQLite file shared by the workers of one machine; survives a restart."""

    path: Path = Field(DEFAULT_PATH, description="The database file, created when missing.")


class SentinelSpec(_Section):
    """Redis Sentinel: the sentinels to ask and the service (primary) they watch."""

    service: str = Field(min_length=1, description="The name the sentinels monitor, e.g. mymaster.")
    addresses: list[str] = Field(min_length=1, description='Sentinels as "host:port", e.g. ["10.0.0.5:26379"].')
    db: int = Field(0, ge=0, description="Database number on the primary.")
    password: str | None = Field(None, description='Password of the primary (write "${REDIS_PASSWORD}").')
    sentinelPassword: str | None = Field(None, description="Password of the sentinels, if they require one.")

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, addresses: list[str]) -> list[str]:
        for address in addresses:
            host, _, port = address.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{address!r} is not host:port (e.g. 127.0.0.1:26379)")
        return addresses

    def target(self) -> SentinelTarget:
        """What the Redis store connects with."""
        addresses = tuple((a.rpartition(":")[0].strip("[]"), int(a.rpartition(":")[2])) for a in self.addresses)
        return SentinelTarget(self.service, addresses, self.db, self.password, self.sentinelPassword)


class RedisSpec(_Section):
    """A Redis server shared by every worker of every instance: by URL, or the primary Sentinel names."""

    url: str | None = Field(None, description="redis://[:password@]host:port/db, rediss:// or unix://")
    sentinel: SentinelSpec | None = Field(None, description="Find the primary through Redis Sentinel instead.")
    prefix: str = Field("gateway:", description="Prepended to every key and channel name.")
    timeout: float = Field(0.5, gt=0, description='Socket timeout: seconds or "500 ms".')

    @field_validator("url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(_SCHEMES):
            raise ValueError(f"{url!r} is not a Redis URL (e.g. redis://127.0.0.1:6379/0)")
        return url

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if (self.url is None) == (self.sentinel is None):
            raise ValueError("give exactly one of url or sentinel: {service: ..., addresses: [...]}")
        return self

    @field_validator("timeout", mode="before")
    @classmethod
    def _timeout(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value


_SECTIONS: dict[str, type[_Section]] = {
    "memory": MemorySpec,
    "embedded": EmbeddedSpec,
    "redis": RedisSpec,
}


class StoreSpec(BaseModel):
    """The store the gateway opens: its kind and that kind's settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["memory", "embedded", "redis"] = "embedded"
    path: Path = DEFAULT_PATH
    redis: RedisSpec | None = None

    @model_validator(mode="after")
    def _redis_needs_url(self) -> Self:
        if self.kind == "redis" and self.redis is None:
            raise ValueError("a redis store needs redis settings (at least a url)")
        return self

    @classmethod
    def from_config(cls, config: object, where: str = "$.store") -> StoreSpec:
        """The spec for the user's `store:` section; raises ConfigErrors naming JSON paths."""
        if config is None or config == {}:
            return cls()
        kind, body = _section(config, where)
        try:
            section = _SECTIONS[kind].model_validate({} if body is None else body)
        except ValidationError as exc:
            raise ConfigErrors([_error(f"{where}.{kind}", e) for e in exc.errors()]) from None
        if isinstance(section, RedisSpec):
            return cls(kind="redis", redis=section)
        if isinstance(section, EmbeddedSpec):
            return cls(kind="embedded", path=section.path)
        return cls(kind="memory")


def _section(config: object, where: str) -> tuple[str, object]:
    """The one (kind, settings) pair of the section, or a ConfigErrors saying what is wrong."""
    choices = ", ".join(_SECTIONS)
    if not isinstance(config, Mapping):
        raise _one(where, f"expected an object with one of {choices}, e.g. {{redis: {{url: ...}}}}")
    for key in config:
        if key not in _SECTIONS:
            near = difflib.get_close_matches(str(key), _SECTIONS, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise _one(f"{where}.{key}", f"unknown store {key!r}{hint}; expected one of {choices}")
    if len(config) != 1:
        raise _one(where, f"choose exactly one store of {choices}, not {len(config)}")
    [(kind, body)] = config.items()
    return str(kind), body


def _one(path: str, message: str) -> ConfigErrors:
    return ConfigErrors([ConfigError(path, message)])


def _error(where: str, error: Mapping[str, Any]) -> ConfigError:
    path = where + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    return ConfigError(path, str(error["msg"]).removeprefix("Value error, "))
