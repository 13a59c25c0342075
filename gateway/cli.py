"""Command line: `gateway serve | check | schema | import-openig`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.errors import ConfigError, ConfigErrors

if TYPE_CHECKING:
    from gateway.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="An identity gateway.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve routes")
    serve.add_argument("--config", type=Path, help="gateway.yaml (optional)")
    serve.add_argument("--routes", help="folder of route files (default ./routes)")
    serve.add_argument("--listen", help="HOST:PORT of the main listener (default 0.0.0.0:8080)")
    serve.add_argument("--admin", help="HOST:PORT of the admin listener (default 127.0.0.1:8081)")
    serve.add_argument("--workers", type=int, help="processes sharing the port (default 1)")
    serve.add_argument("--strict", action="store_true", help="refuse to start while any route file fails")
    check = sub.add_parser("check", help="lint route files; exit 1 on any problem")
    check.add_argument(
        "paths", nargs="*", type=Path, help="route files or folders, policy files (.yaml) (default: the routes folder)"
    )
    check.add_argument("--config", type=Path, help="also check this gateway.yaml and its heap")
    check.add_argument("--openig", type=Path, metavar="DIR", help="migration report for a folder of OpenIG routes")
    schema = sub.add_parser("schema", help="print the JSON Schema of a route file")
    schema.add_argument("--policies", action="store_true", help="the schema of a policy file instead")
    imp = sub.add_parser("import-openig", help="write a gateway.yaml from an OpenIG config.json")
    imp.add_argument("config_json", type=Path, help="OpenIG config.json")
    imp.add_argument("-o", "--output", type=Path, default=Path("gateway.yaml"), help="where to write (gateway.yaml)")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "routes": args.routes,
        "listen": args.listen,
        "admin": {"listen": args.admin} if args.admin else None,
        "workers": args.workers,
        "routing": {"strict": True} if args.strict else None,
    }


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings `gateway serve` runs with: the config file (if any), then the flags on top."""
    from gateway.settings import load_settings

    return load_settings(args.config, _overrides(args))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `gateway` console script."""
    args = _parser().parse_args(argv)
    if args.command == "schema":
        return _schema(args.policies)
    if args.command == "import-openig":
        return _import(args.config_json, args.output)
    if args.command == "check" and args.openig is not None:
        return _migration(args.openig, args.config)
    if args.command == "check":
        return _check(args.paths, args.config)
    from gateway.serve import serve

    try:
        settings = settings_from_args(args)
    except ConfigErrors as exc:
        return _not_started(exc.errors)
    errors = _startup_errors(settings)
    return _not_started(errors) if errors else serve(settings, reload=lambda: _reread(args))


def _reread(args: argparse.Namespace) -> Settings:
    """The settings again, for a SIGHUP; raises ConfigErrors as a start would refuse them."""
    settings = settings_from_args(args)
    errors = _startup_errors(settings)
    if errors:
        raise ConfigErrors(errors)
    return settings


def _startup_errors(settings: Settings) -> list[ConfigError]:
    """Checked here, once, rather than in every worker: the global heap, and in strict mode every route."""
    from gateway.lint import check_settings, global_heap_errors

    errors = global_heap_errors(settings) + (settings.tls.errors(settings.source) if settings.tls else [])
    if errors or not settings.routing.strict:
        return errors
    return check_settings(settings).errors


def _schema(policies: bool = False) -> int:
    from gateway.policy.compile import policy_schema
    from gateway.routing.schema import route_schema
    from gateway.types import TYPES

    print(json.dumps(policy_schema() if policies else route_schema(TYPES), indent=2))
    return 0


def _check(paths: list[Path], config: Path | None) -> int:
    from gateway.lint import check

    report = check(paths, config)
    for error in report.errors:
        print(error)
    for warning in report.warnings:
        print(f"{warning.file}: {warning.path}: warning: {warning.message}")
    warned = f", {len(report.warnings)} warning(s)" if report.warnings else ""
    print(f"{len(report.errors)} problem(s){warned}" if report.errors or warned else "ok", file=sys.stderr)
    return 1 if report.errors else 0


def _migration(folder: Path, config: Path | None) -> int:
    from gateway.migration import migration_report, report_lines

    if not folder.is_dir():
        print(f"{folder}: not a folder", file=sys.stderr)
        return 2
    verdicts = migration_report(folder, config)
    for line in report_lines(verdicts):
        print(line)
    return 0 if all(v.outcome == "loads" for v in verdicts) else 1


def _import(source: Path, output: Path) -> int:
    from gateway.openig_import import import_config, render

    imported = import_config(source)
    for error in imported.errors:
        print(error, file=sys.stderr)
    if imported.errors:
        return 1
    output.write_text(render(imported, source), encoding="utf-8")
    for note in imported.notes:
        print(f"not carried over: {note}")
    print(f"wrote {output}", file=sys.stderr)
    return 0


def _not_started(errors: list[ConfigError]) -> int:
    for error in errors:
        print(error, file=sys.stderr)
    print("gateway: not started: the configuration has errors", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
