"""The gateway under test: one route file from bench/routes/, pointed at the upstream, served by
`python -m gateway serve` from a scratch folder (its own state, capture folder and logs)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from environment import REPO
from procs import Service, Unavailable, fetch, free_port, wait_for

ROUTES = Path(__file__).resolve().parent / "routes"
# Routes only the profiler runs (their clients need credentials that wrk does not send).
PROFILE_ROUTES = Path(__file__).resolve().parent / "profile_routes"
_DROPPED = re.compile(r"^gateway_capture_dropped_total(?:\{[^}]*\})?\s+([\d.e+]+)$", re.MULTILINE)


def cases() -> list[str]:
    """Gateway variants, one per route file: `gateway` is the plain route, the others add a feature."""
    return sorted(path.stem for path in ROUTES.glob("*.json"))


def profile_cases() -> list[str]:
    """The bench routes and the profiler's own."""
    return sorted([*cases(), *(path.stem for path in PROFILE_ROUTES.glob("*.json"))])


class GatewayRun:
    """A gateway serving one bench route with N workers."""

    def __init__(
        self,
        case: str,
        folder: Path,
        upstream: int,
        workers: int,
        python: str,
        *,
        wrapper: Sequence[str] = (),
        flags: Sequence[str] = (),
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        """`wrapper` goes before the interpreter (a profiler such as valgrind), `flags` after it (`-m cProfile`);
        `settings` are added to gateway.yaml."""
        path = ROUTES / f"{case}.json"
        self.route = json.loads((path if path.exists() else PROFILE_ROUTES / f"{case}.json").read_text())
        self.route["baseURI"] = f"http://127.0.0.1:{upstream}"
        self.folder = folder
        routes = folder / "routes"
        routes.mkdir(parents=True)
        (routes / f"{case}.json").write_text(json.dumps(self.route, indent=2))
        config = folder / "gateway.yaml"
        config.write_text(f"state: {folder / 'state'}\ncapture:\n  dir: {folder / 'capture'}\nlogFormat: json\n")
        for key, value in (settings or {}).items():
            with config.open("a") as out:
                out.write(f"{key}: {json.dumps(value)}\n")
        self.port, self.admin = free_port(), free_port()
        argv = [*wrapper, python, *flags, "-m", "gateway", "serve", "--config", str(config), "--routes", str(routes)]
        argv += ["--listen", f"127.0.0.1:{self.port}", "--admin", f"127.0.0.1:{self.admin}", "--workers", str(workers)]
        self.service = Service(f"gateway ({case})", argv, REPO, folder / "gateway.log")

    def ready(self, path: str, body: bytes, timeout: float = 30.0, headers: Mapping[str, str] | None = None) -> str:
        """Wait until the route answers with the body; Unavailable names the route's load errors."""
        url = f"http://127.0.0.1:{self.port}{path}"
        try:
            wait_for(self.service, url, body, timeout, headers)
        except Unavailable as exc:
            raise Unavailable(self._load_errors() or str(exc)) from None
        return url

    def check_feature(self, body: bytes) -> str:
        """After some load: a capturing route must have written records (with the body, if asked)."""
        if "capture" not in self.route:
            return ""
        files = [p for p in (self.folder / "capture").glob("*") if p.is_file() and p.stat().st_size]
        if not files:
            raise Unavailable("capture is on in the route but no capture record was written")
        if _captures_entity(self.route) and not any(body[:32] in p.read_bytes() for p in files):
            raise Unavailable("captureEntity is on but no captured record holds the body")
        return ""

    def notes(self) -> str:
        """Capture records dropped so far, as the admin listener's /metrics reports them."""
        if "capture" not in self.route:
            return ""
        status, data = fetch(f"http://127.0.0.1:{self.admin}/metrics")
        if status != 200:
            return ""
        # A labelled counter shows no sample until its first drop.
        text = data.decode(errors="replace")
        return f"capture drops so far: {sum(float(n) for n in _DROPPED.findall(text)):.0f}"

    def _load_errors(self) -> str:
        status, text = fetch(f"http://127.0.0.1:{self.admin}/admin/api/routes")
        if status != 200:
            return ""
        files = json.loads(text).get("routes", [])
        errors = [f"{e.get('path')}: {e.get('message')}" for f in files for e in f.get("errors", [])]
        return "; ".join(errors)


def _captures_entity(route: dict[str, Any]) -> bool:
    decorators = [obj for obj in route.get("heap", []) if obj.get("type") == "CaptureDecorator"]
    return any(obj.get("config", {}).get("captureEntity") for obj in decorators)
