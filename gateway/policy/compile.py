"""Read a policy file (YAML or JSON) and compile it into an Engine, reporting every problem with
its file and JSON path, as route files do."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from pydantic import ValidationError

from gateway.errors import ConfigError, ConfigErrors
from gateway.expressions import ExpressionError
from gateway.policy.engine import CompiledPolicy, CompiledSet, CompiledType, Engine
from gateway.policy.model import Policy, PolicyFile, PolicySet
from gateway.policy.offline import OfflineIssuer
from gateway.policy.patterns import Pattern, compile_pattern
from gateway.policy.rules import compile_condition, compile_subject

Session = Callable[[], aiohttp.ClientSession | None]


def read_policy_file(path: Path) -> Any:
    """The parsed document; raises ConfigErrors when it cannot be read or parsed."""
    file = str(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise ConfigErrors([ConfigError("$", f"invalid YAML{where}: {exc.problem}", file)]) from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigErrors([ConfigError("$", f"cannot read the policy file: {exc}", file)]) from exc


def policy_file_errors(path: Path) -> list[ConfigError]:
    """Every problem of a policy file (for `gateway check`); empty when it compiles."""
    try:
        compile_policies(read_policy_file(path), str(path), lambda: None, time.time)
    except ConfigErrors as exc:
        return exc.errors
    return []


def policy_schema() -> dict[str, Any]:
    """The JSON Schema of a policy file, for editors (`gateway schema --policies`)."""
    return PolicyFile.model_json_schema(by_alias=True)


def compile_policies(document: Any, file: str | None, session: Session, clock: Callable[[], float]) -> Engine:
    """An Engine for a parsed policy document; raises ConfigErrors listing every problem."""
    try:
        model = PolicyFile.model_validate(document)
    except ValidationError as exc:
        raise ConfigErrors([ConfigError(_path(e["loc"]), e["msg"], file) for e in exc.errors()]) from exc
    compiler = _Compiler(file, clock)
    engine = compiler.engine(model, session)
    if compiler.errors:
        raise ConfigErrors(compiler.errors)
    return engine


def _path(loc: tuple[int | str, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)


def _unknown(what: str, name: str, known: Any) -> str:
    return f"unknown {what} {name!r} (known: {', '.join(sorted(known)) or 'none'})"


class _Compiler:
    """Compiles one file, collecting every problem instead of stopping at the first."""

    def __init__(self, file: str | None, clock: Callable[[], float]) -> None:
        self.file, self.clock = file, clock
        self.errors: list[ConfigError] = []
        self.issuers: dict[str, OfflineIssuer] = {}

    def error(self, where: str, message: str) -> None:
        self.errors.append(ConfigError(where, message, self.file))

    def engine(self, model: PolicyFile, session: Session) -> Engine:
        for name, issuer in model.issuers.items():
            try:
                self.issuers[name] = OfflineIssuer(issuer, session, self.clock)
            except ValueError as exc:
                self.error(f"$.issuers.{name}.algorithms", str(exc))
        types = {
            name: CompiledType(self.patterns(t.patterns, f"$.resourceTypes.{name}.patterns"), frozenset(t.actions))
            for name, t in model.resourceTypes.items()
        }
        sets = tuple(self.policy_set(s, f"$.policySets[{i}]", types) for i, s in enumerate(model.policySets))
        return Engine(types, sets, model.directory, model.ttl)

    def policy_set(self, set_: PolicySet, where: str, types: dict[str, CompiledType]) -> CompiledSet:
        for j, name in enumerate(set_.resourceTypes):
            if name not in types:
                self.error(f"{where}.resourceTypes[{j}]", _unknown("resource type", name, types))
        actions = frozenset(a for name in set_.resourceTypes if name in types for a in types[name].actions)
        policies = tuple(self.policy(p, f"{where}.policies[{k}]", actions) for k, p in enumerate(set_.policies))
        return CompiledSet(set_.name, frozenset(set_.resourceTypes), policies)

    def patterns(self, sources: list[str], where: str) -> tuple[Pattern, ...]:
        out = []
        for index, source in enumerate(sources):
            try:
                out.append(compile_pattern(source))
            except ValueError as exc:
                self.error(f"{where}[{index}]", str(exc))
        return tuple(out)

    def policy(self, policy: Policy, where: str, actions: frozenset[str]) -> CompiledPolicy:
        """One policy; its problems are recorded, and what failed is left out."""
        for action in policy.actions:
            if action not in actions:
                self.error(f"{where}.actions.{action}", _unknown("action", action, actions))
        subjects = []
        for i, rule in enumerate(policy.subjects):
            if rule.jwt is not None and rule.jwt.issuer not in self.issuers:
                self.error(f"{where}.subjects[{i}].jwt.issuer", _unknown("issuer", rule.jwt.issuer, self.issuers))
                continue
            subjects.append(compile_subject(rule, self.issuers))
        conditions = []
        for i, condition in enumerate(policy.conditions):
            try:
                conditions.append(compile_condition(condition, self.clock))
            except (ValueError, ExpressionError) as exc:
                self.error(f"{where}.conditions[{i}]", str(exc))
        return CompiledPolicy(
            policy.name, self.patterns(policy.resources, f"{where}.resources"),
            {a: e == "allow" for a, e in policy.actions.items()}, tuple(subjects), tuple(conditions),
            {k: tuple(v) for k, v in policy.attributes.items()}, {k: tuple(v) for k, v in policy.advices.items()},
            policy.reasonUser or "",
        )  # fmt: skip
