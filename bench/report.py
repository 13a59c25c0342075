"""The markdown report: every measurement, the gateway's ratios, and the cost of each gateway feature."""

from __future__ import annotations

from dataclasses import dataclass

from wrk import Load

LABELS = {
    "direct": "upstream direct (nginx, static file)",
    "nginx": "nginx reverse proxy",
    "minimal": "minimal aiohttp proxy",
    "gateway": "gateway, plain route",
    "capture": "gateway + capture (headers)",
    "capture-entity": "gateway + capture (with entities)",
    "throttle": "gateway + throttling",
}
# Issue goals: the gateway within 10% of the minimal proxy; capture of headers under 15%, throttling under 5%.
GATEWAY_GOAL = 0.90
FEATURE_GOALS = {"capture": 0.15, "throttle": 0.05}


@dataclass
class Measurement:
    """One target at one process count and one connection count: numbers, or why there are none."""

    target: str
    procs: int
    conns: int
    load: Load | None
    note: str = ""
    cpu_us: float | None = None  # CPU microseconds the target's processes spent per request


def label(target: str) -> str:
    """The human name of a target."""
    return LABELS.get(target, f"gateway + {target}")


def _find(rows: list[Measurement], target: str, procs: int, conns: int) -> Measurement | None:
    return next((r for r in rows if (r.target, r.procs, r.conns) == (target, procs, conns) and r.load), None)


def _ratio(a: Measurement | None, b: Measurement | None, what: str = "rps") -> float | None:
    """a / b of requests/s, of a latency ("p50", "p99") or of CPU per request ("cpu")."""
    if a is None or b is None or a.load is None or b.load is None:
        return None
    if what == "cpu":
        x, y = a.cpu_us, b.cpu_us
    else:
        x, y = getattr(a.load, what), getattr(b.load, what)
    return x / y if x is not None and y else None


def _fmt(value: float | None, goal: float | None = None) -> str:
    if value is None:
        return "—"
    mark = "" if goal is None else (" ✔" if value >= goal else " ✘")
    return f"{value:.2f}{mark}"


def measurements(rows: list[Measurement]) -> list[str]:
    """Every run as one table row."""
    out = [
        "| target | procs | conns | req/s | p50 ms | p99 ms | CPU µs/req | errors | notes |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        note = r.note.replace("|", "\\|")
        if r.load is None:
            out.append(f"| {label(r.target)} | {r.procs} | {r.conns} | — | — | — | — | — | {note} |")
            continue
        load, cpu = r.load, "—" if r.cpu_us is None else f"{r.cpu_us:.0f}"
        out.append(
            f"| {label(r.target)} | {r.procs} | {r.conns} | {load.rps:,.0f} | {load.p50:.2f} | {load.p99:.2f} "
            f"| {cpu} | {load.errors} | {note} |"
        )
    return out


def gateway_ratios(rows: list[Measurement]) -> list[str]:
    """The plain route against the minimal proxy, nginx as proxy and the upstream, per process count."""
    out = [
        f"| procs | conns | req/s gateway / minimal (goal ≥ {GATEWAY_GOAL:.2f}) | CPU per request minimal / gateway "
        "| p50 gateway / minimal | p99 gateway / minimal | req/s gateway / nginx proxy | req/s gateway / direct |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for procs, conns in _cells(rows):
        gw, floor = _find(rows, "gateway", procs, conns), _find(rows, "minimal", procs, conns)
        out.append(
            f"| {procs} | {conns} | {_fmt(_ratio(gw, floor), GATEWAY_GOAL)} | {_fmt(_ratio(floor, gw, 'cpu'))} "
            f"| {_fmt(_ratio(gw, floor, 'p50'))} | {_fmt(_ratio(gw, floor, 'p99'))} "
            f"| {_fmt(_ratio(gw, _find(rows, 'nginx', procs, conns)))} "
            f"| {_fmt(_ratio(gw, _find(rows, 'direct', procs, conns)))} |"
        )
    return out


def feature_costs(rows: list[Measurement], features: list[str]) -> list[str]:
    """Each gateway variant as a ratio to the plain route measured in the same run."""
    out = [
        "| variant | procs | conns | req/s ratio to plain route | cost | goal | CPU per request ratio to plain route |",
        "|---|--:|--:|--:|--:|---|--:|",
    ]
    for feature in features:
        for procs, conns in _cells(rows):
            variant, plain = _find(rows, feature, procs, conns), _find(rows, "gateway", procs, conns)
            ratio, goal = _ratio(variant, plain), FEATURE_GOALS.get(feature)
            cost = f"{(1 - ratio) * 100:.0f}%" if ratio is not None else "—"
            verdict = "" if goal is None else f"cost < {goal * 100:.0f}%"
            if goal is not None and ratio is not None:
                verdict += " ✔" if 1 - ratio < goal else " ✘"
            cpu = _fmt(_ratio(variant, plain, "cpu"))
            out.append(f"| {label(feature)} | {procs} | {conns} | {_fmt(ratio)} | {cost} | {verdict} | {cpu} |")
    return out


def _cells(rows: list[Measurement]) -> list[tuple[int, int]]:
    return sorted({(r.procs, r.conns) for r in rows})


def render(header: list[str], rows: list[Measurement], features: list[str]) -> str:
    """The whole report as markdown."""
    parts = [*header, "", "### Measurements", "", *measurements(rows), ""]
    if any(r.target == "gateway" for r in rows):
        parts += ["### Gateway ratios (same process count)", "", *gateway_ratios(rows), ""]
    if features:
        parts += ["### Cost of gateway features (same run)", "", *feature_costs(rows, features), ""]
    return "\n".join(parts)
