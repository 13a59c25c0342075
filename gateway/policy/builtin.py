"""PolicyDecisionPoint: the built-in PDP, its policies in a YAML/JSON file kept beside the routes.

Used in-process by a route's PolicyEnforcementFilter (no HTTP hop), and, when `listen` is given,
served to other PEPs as an AuthZEN 1.0 PDP and an OpenAM-compatible policy endpoint. The file is
watched: a change takes effect within a second or two; a broken file keeps the last good policies
serving and says why (log, `problems`)."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web
from watchfiles import awatch

from gateway.errors import ConfigError, ConfigErrors
from gateway.oauth.authzen import Evaluation
from gateway.policy.cache import DecisionCache
from gateway.policy.compile import compile_policies, read_policy_file
from gateway.policy.decision import DENY_SKIPPED, Decision
from gateway.policy.engine import Engine
from gateway.policy.pdp_config import PdpConfig

if TYPE_CHECKING:
    from gateway.heap.context import BuildContext
    from gateway.services import Services

log = logging.getLogger("gateway.policy")


def load_engine(path: Path, services: Services) -> Engine:
    """Read and compile the policy file; raises ConfigErrors."""
    return compile_policies(read_policy_file(path), str(path), lambda: services.http, time.time)


class PolicyDecisionPoint:
    """The built-in PDP: policies from a file, evaluated with deny-overrides."""

    class Config(PdpConfig):
        pass

    def __init__(self, name: str, path: Path, engine: Engine, services: Services, config: Config) -> None:
        self.name = name
        self.path = path
        self.engine = engine
        self.services = services
        self.config: PdpConfig = config
        self.problems: list[ConfigError] = []
        self.address: str | None = None
        self.reloads = 0
        self.evaluations = 0
        # The OpenAM-compatible endpoint's service (logins), once the listener serves it.
        self.openam: Any = None
        # Decision caches of the PEPs using this PDP in-process: emptied when the policies change.
        self.caches: weakref.WeakSet[DecisionCache] = weakref.WeakSet()

    @classmethod
    def from_config(cls, config: Config, ctx: BuildContext) -> Self | None:
        """Load the policy file now, so that `gateway check` and startup report its problems."""
        services = ctx.services
        path = Path(config.file)
        try:
            engine = load_engine(path, services)
        except ConfigErrors as exc:
            for error in exc.errors:
                ctx.error("file", f"{error}")
            return None
        is_global = ctx.heap is not None and ctx.heap.parent is None
        if config.listen is not None and not config.tokens:
            ctx.error("tokens", "a served PDP needs at least one bearer token for its PEPs")
        if config.listen is not None and not is_global:
            ctx.error("listen", "only a PolicyDecisionPoint in gateway.yaml's heap may serve a listener")
        pdp = cls(ctx.object_name or "pdp", path, engine, services, config)
        if is_global:
            services.lifetimes.append(pdp.lifetime)
        return pdp

    async def evaluate(self, question: Evaluation, request_id: str = "") -> Decision:
        """The decision on one question, in-process."""
        self.evaluations += 1
        return await self.engine.evaluate(question)

    async def evaluate_all(self, questions: list[Evaluation], request_id: str = "") -> list[Decision]:
        """Decisions in order; after the first deny the rest are denied unevaluated."""
        out: list[Decision] = []
        for question in questions:
            if out and not out[-1].allowed:
                out.append(DENY_SKIPPED)
                continue
            out.append(await self.evaluate(question))
        return out

    def reload(self) -> bool:
        """Load the file again; keep the last good policies when it fails."""
        try:
            engine = compile_policies(
                read_policy_file(self.path), str(self.path), lambda: self.services.http, time.time
            )
        except ConfigErrors as exc:
            self.problems = exc.errors
            for error in exc.errors:
                log.error("policy file rejected, the last good policies keep serving: %s", error)
            return False
        self.engine, self.problems = engine, []
        self.reloads += 1
        for cache in list(self.caches):
            cache.clear()
        log.info("policies reloaded from %s", self.path)
        return True

    async def lifetime(self, app: web.Application) -> AsyncIterator[None]:
        """Watch the file and serve the listener while the gateway runs."""
        from gateway.policy.server import start_server

        stop = asyncio.Event()
        watcher = asyncio.create_task(self._watch(stop)) if self.config.watch else None
        runner = await start_server(self) if self.config.listen is not None else None
        yield
        stop.set()
        if runner is not None:
            await runner.cleanup()
        if watcher is not None:
            await asyncio.wait_for(watcher, timeout=5)

    async def _watch(self, stop: asyncio.Event) -> None:
        target = self.path.resolve()
        async for changes in awatch(target.parent, stop_event=stop, debounce=150, step=30, recursive=False):
            if any(changed == str(target) or Path(changed).name == target.name for _, changed in changes):
                self.reload()
