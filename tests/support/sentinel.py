"""Redis Sentinel for tests: one primary, one replica and three sentinels (Debian's redis-sentinel),
all on loopback with free ports, in one temporary folder.

    with SentinelGroup() as group:
        settings = {"store": {"redis": {"sentinel": group.spec}}}
        group.failover()           # the replica becomes the primary
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import redis

from tests.support.process import stop_process
from tests.support.redis_server import RedisServer, free_port

SERVICE = "gateway-primary"
_INSTALL_HINT = "redis-sentinel is not installed; install it with `apt-get install redis-sentinel`"
_CONFIG = """\
port {port}
bind 127.0.0.1
daemonize no
dir {dir}
logfile {dir}/sentinel-{port}.log
sentinel monitor {service} 127.0.0.1 {primary} 2
sentinel down-after-milliseconds {service} 1000
sentinel failover-timeout {service} 10000
"""


def _until(holds: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not holds():
        if time.monotonic() > deadline:
            raise RuntimeError(f"still waiting for {what}")
        time.sleep(0.1)


def _fields(entry: Any) -> dict[str, str]:
    """A SENTINEL REPLICAS entry (a flat name, value list, or a dict) as a dict."""
    if isinstance(entry, dict):
        return {str(k): str(v) for k, v in entry.items()}
    return {str(entry[i]): str(entry[i + 1]) for i in range(0, len(entry) - 1, 2)}


class _SentinelProcess:
    """One redis-sentinel watching the primary on `primary` port."""

    def __init__(self, folder: Path, primary: int) -> None:
        binary = shutil.which("redis-sentinel") or "/usr/bin/redis-sentinel"
        if not Path(binary).is_file():
            raise RuntimeError(_INSTALL_HINT)
        self.port = free_port()
        config = folder / f"sentinel-{self.port}.conf"  # sentinels rewrite their file: keep it writable
        config.write_text(_CONFIG.format(port=self.port, dir=folder, service=SERVICE, primary=primary))
        with (folder / f"sentinel-{self.port}.out").open("ab") as out:
            self.process = subprocess.Popen([binary, str(config)], stdout=out, stderr=subprocess.STDOUT)
        self.client = redis.Redis(port=self.port, socket_timeout=2, decode_responses=True)

    def ask(self, *command: str) -> Any:
        """A SENTINEL subcommand's answer, or None while this sentinel does not answer."""
        try:
            return self.client.execute_command("SENTINEL", *command)
        except redis.RedisError:
            return None

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            stop_process(self.process, 5)


class SentinelGroup:
    """A primary, its replica and three sentinels that agree on who is primary."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="sentinel-test-"))
        self.primary = RedisServer().start()
        self.replica = RedisServer(args=("--replicaof", "127.0.0.1", str(self.primary.port))).start()
        self.sentinels: list[_SentinelProcess] = []

    @property
    def spec(self) -> dict[str, Any]:
        """The `sentinel:` section of the gateway's Redis store."""
        return {"service": SERVICE, "addresses": [f"127.0.0.1:{s.port}" for s in self.sentinels]}

    def start(self) -> SentinelGroup:
        """Start the sentinels; return once every one knows the replica and the other sentinels."""
        _until(lambda: self._linked(self.replica.port), "the replica to sync")
        self.sentinels = [_SentinelProcess(self._dir, self.primary.port) for _ in range(3)]
        for sentinel in self.sentinels:
            _until(lambda s=sentinel: self._knows_all(s), f"sentinel {sentinel.port} to see the group")
        return self

    def primary_port(self) -> int:
        """The port of the primary, as the first sentinel that answers says."""
        for sentinel in self.sentinels:
            answer = sentinel.ask("get-master-addr-by-name", SERVICE)
            if answer:
                return int(answer[1])
        raise RuntimeError("no sentinel answers")

    def failover(self, timeout: float = 30.0) -> int:
        """Make the replica the primary (SENTINEL FAILOVER); the new primary's port once the old one
        has been turned into its replica (until then an unaware client could still write there)."""
        old = self.primary_port()
        _until(self._failover_accepted, "a sentinel to accept SENTINEL FAILOVER", timeout)
        new = self._promoted(old, timeout)
        _until(lambda: self._role(old) == "slave", "the old primary to become a replica", timeout)
        return new

    def _failover_accepted(self) -> bool:
        # Right after a failover the sentinels may not yet count the demoted primary as a replica
        # they could promote (NOGOODSLAVE); they do within seconds.
        try:
            answer = self.sentinels[0].client.execute_command("SENTINEL", "FAILOVER", SERVICE)
        except redis.ResponseError as exc:
            if str(exc).startswith("NOGOODSLAVE"):
                return False
            raise
        assert answer in (True, "OK", b"OK"), answer
        return True

    def kill_primary(self, timeout: float = 30.0) -> int:
        """Kill the primary's process (SIGKILL); the new primary's port once it takes writes."""
        old = self.primary_port()
        self._server(old).kill()
        return self._promoted(old, timeout)

    def revive(self, timeout: float = 30.0) -> None:
        """Start a killed server again; return once it is a synced replica of the current primary."""
        server = next(s for s in (self.primary, self.replica) if not s.running)
        server.start()
        _until(lambda: self._linked(server.port), "the revived server to sync as a replica", timeout)

    def _promoted(self, old: int, timeout: float) -> int:
        _until(lambda: self.primary_port() != old, "the sentinels to name a new primary", timeout)
        new = self.primary_port()
        _until(lambda: self._role(new) == "master", "the new primary to take writes", timeout)
        return new

    def _server(self, port: int) -> RedisServer:
        return next(s for s in (self.primary, self.replica) if s.port == port)

    def close(self) -> None:
        """Stop every process and remove the folder."""
        for sentinel in self.sentinels:
            sentinel.stop()
        self.replica.close()
        self.primary.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SentinelGroup:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _knows_all(self, sentinel: _SentinelProcess) -> bool:
        """Whether `sentinel` sees the other sentinels and one healthy replica it could promote."""
        replicas = [_fields(entry) for entry in sentinel.ask("replicas", SERVICE) or []]
        healthy = [r for r in replicas if r.get("flags") == "slave" and r.get("master-link-status") == "ok"]
        others = sentinel.ask("sentinels", SERVICE) or []
        return len(healthy) == 1 and len(others) == len(self.sentinels) - 1

    @staticmethod
    def _role(port: int) -> str | None:
        try:
            with redis.Redis(port=port, socket_timeout=2, decode_responses=True) as client:
                return str(client.info("replication")["role"])
        except redis.RedisError:
            return None

    @classmethod
    def _linked(cls, port: int) -> bool:
        try:
            with redis.Redis(port=port, socket_timeout=2, decode_responses=True) as client:
                return bool(client.info("replication").get("master_link_status") == "up")
        except redis.RedisError:
            return False
