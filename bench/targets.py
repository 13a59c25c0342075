"""Starting each target in front of the upstream, ready to be loaded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import nginx
from environment import REPO, python_for_servers
from gateway_run import GatewayRun
from procs import Service, free_port, wait_for

BODY_PATH = nginx.BODY_PATH
# 1 KiB of text: textual, so that a capture with entities really writes it.
BODY = (b"bench body: one kibibyte of text.\n" * 32)[:1023] + b"\n"
Hook = Callable[[], str]


def _nothing() -> str:
    return ""


@dataclass
class Live:
    """A target answering on `url`; `check` proves a feature works (raises Unavailable), `notes` adds remarks."""

    case: str
    url: str
    service: Service | None = None
    check: Hook = _nothing
    notes: Hook = _nothing
    failed: str = field(default="")
    # Whose CPU time counts for this target: its own processes, or the upstream's when it is the upstream.
    meter: Service | None = None

    def cpu(self) -> float:
        """CPU seconds used so far by the processes serving this target."""
        meter = self.meter or self.service
        return meter.cpu() if meter is not None else 0.0

    def stop(self) -> None:
        """Stop the target's processes (the upstream itself is stopped by its owner)."""
        if self.service is not None:
            self.service.stop()


def url(port: int) -> str:
    """The 1 KiB file on a loopback port."""
    return f"http://127.0.0.1:{port}{BODY_PATH}"


def start_upstream(folder: Path, procs: int) -> tuple[Service, int]:
    """nginx serving the body with `procs` workers, answering."""
    port = free_port()
    service = nginx.start_static(folder, port, procs, BODY)
    with _stopped_on_failure(Live("upstream", url(port), service)):
        wait_for(service, url(port), BODY)
    return service, port


def start(case: str, procs: int, upstream: tuple[Service, int], folder: Path) -> Live:
    """Start one target with `procs` processes and wait until it serves the body; Unavailable if it cannot."""
    upstream_service, upstream_port = upstream
    if case == "direct":
        return Live(case, url(upstream_port), meter=upstream_service)
    return _start_proxy(case, procs, upstream_port, folder)


def _start_proxy(case: str, procs: int, upstream: int, folder: Path) -> Live:
    if case not in ("nginx", "minimal"):
        run = GatewayRun(case, folder, upstream, procs, python_for_servers())
        live = Live(case, "", run.service, partial(run.check_feature, BODY), run.notes)
        with _stopped_on_failure(live):
            live.url = run.ready(BODY_PATH, BODY)
        return live
    port = free_port()
    service = (
        nginx.start_proxy(folder, port, procs, upstream) if case == "nginx" else _minimal(folder, port, procs, upstream)
    )
    live = Live(case, url(port), service)
    with _stopped_on_failure(live):
        wait_for(service, live.url, BODY)
    return live


@contextmanager
def _stopped_on_failure(live: Live) -> Iterator[None]:
    try:
        yield
    except BaseException:
        live.stop()
        raise


def _minimal(folder: Path, port: int, procs: int, upstream: int) -> Service:
    folder.mkdir(parents=True, exist_ok=True)
    script = str(Path(__file__).with_name("minimal_proxy.py"))
    argv = [python_for_servers(), script, "--listen", f"127.0.0.1:{port}"]
    argv += ["--upstream", f"http://127.0.0.1:{upstream}", "--workers", str(procs)]
    return Service("minimal proxy", argv, REPO, folder / "stdout.log")
