"""Command line: `gateway serve | check | schema`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gateway.errors import ConfigError, ConfigErrors


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="An identity gateway.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve routes")
    serve.add_argument("--config", type=Path, help="gateway.yaml (optional)")
    serve.add_argument("--routes", help="folder of route files (default ./routes)")
    serve.add_argument("--listen", help="HOST:PORT of the main listener (default 0.0.0.0:8080)")
    serve.add_argument("--admin", help="HOST:PORT of the admin listener (default 127.0.0.1:8081)")
    serve.add_argument("--workers", type=int, help="processes sharing the port (default 1)")
    check = sub.add_parser("check", help="lint route files; exit 1 on any problem")
    check.add_argument("paths", nargs="*", type=Path, help="route files or folders")
    check.add_argument("--config", type=Path, help="also check this gateway.yaml and its heap")
    sub.add_parser("schema", help="print the JSON Schema of a route file")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "routes": args.routes,
        "listen": args.listen,
        "admin": {"listen": args.admin} if args.admin else None,
        "workers": args.workers,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `gateway` console script."""
    args = _parser().parse_args(argv)
    if args.command == "schema":
        from gateway.heap.schema import route_schema

        print(json.dumps(route_schema(), indent=2))
        return 0
    if args.command == "check":
        from gateway.lint import check_paths

        errors = check_paths(args.paths, args.config)
        for error in errors:
            print(error)
        print(f"{len(errors)} problem(s)" if errors else "ok", file=sys.stderr)
        return 1 if errors else 0
    from gateway.serve import serve
    from gateway.settings import load_settings

    try:
        settings = load_settings(args.config, _overrides(args))
    except ConfigErrors as exc:
        _print_errors(exc.errors)
        return 2
    return serve(settings)


def _print_errors(errors: list[ConfigError]) -> None:
    for error in errors:
        print(error, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
