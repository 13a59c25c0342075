"""The markdown report: every measurement, the gateway's ratios, and the cost of each gateway feature."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from wrk import Load

# One measured run: what wrk saw, and the target's CPU microseconds per request.
Sample = tuple[Load, float]
LABELS = {
    "direct": "upstream direct (nginx, static file)",
    "nginx": "nginx reverse proxy",
    "minimal": "minimal aiohttp proxy",
    "gateway": "gateway, plain route",
    "capture": "gateway + capture (headers)",
    "capture-entity": "gateway + capture (with entities)",
    "throttle": "gateway + throttling",
    "monitor": "gateway + statistics (monitor)",
}
# Goals: the gateway within 10% of the minimal proxy; capture, throttling and statistics each under 5% of
# the plain route's requests/s and CPU per request; throttling's p99 at most 1.5 times the plain route's.
GATEWAY_GOAL = 0.90
FEATURE_GOALS = {"capture": 0.05, "throttle": 0.05, "monitor": 0.05}
P99_GOALS = {"throttle": 1.5}


@dataclass
class Measurement:
    """One target at one process count and one connection count: numbers, or why there are none."""

    target: str
    procs: int
    conns: int
    load: Load | None
    note: str = ""
    cpu_us: float | None = None  # CPU microseconds the target's processes spent per request
    # Every measured round in run order: ratios pair round i of one target with round i of another.
    rounds: list[Sample] = field(default_factory=list)


def label(target: str) -> str:
    """The human name of a target."""
    return LABELS.get(target, f"gateway + {target}")


def _find(rows: list[Measurement], target: str, procs: int, conns: int) -> Measurement | None:
    return next((r for r in rows if (r.target, r.procs, r.conns) == (target, procs, conns) and r.load), None)


def _value(load: Load, cpu: float, what: str) -> float:
    return cpu if what == "cpu" else float(getattr(load, what))


@dataclass(frozen=True)
class Ratio:
    """A ratio's median over the rounds, and its spread."""

    median: float
    low: float
    high: float


def _ratio(a: Measurement | None, b: Measurement | None, what: str = "rps") -> Ratio | None:
    """a / b of requests/s, of a latency ("p50", "p99") or of CPU per request ("cpu"), round by round."""
    if a is None or b is None or a.load is None or b.load is None:
        return None
    return paired(a.rounds or [(a.load, a.cpu_us or 0.0)], b.rounds or [(b.load, b.cpu_us or 0.0)], what)


def paired(a: list[Sample], b: list[Sample], what: str = "rps") -> Ratio | None:
    """The median of the rounds' ratios a[i] / b[i] and their lowest and highest (rounds ran A B B A)."""
    values = [_value(*x, what) / _value(*y, what) for x, y in zip(a, b, strict=False) if _value(*y, what)]
    if not values:
        return None
    return Ratio(statistics.median(values), min(values), max(values))


def median_sample(samples: list[Sample]) -> Sample:
    """The round with the median requests/s (its own latencies), with the median CPU per request."""
    ordered = sorted(load for load, _ in samples)
    return ordered[len(ordered) // 2], statistics.median(cpu for _, cpu in samples)


def _fmt(value: Ratio | None, goal: float | None = None, above: bool = True) -> str:
    """`median (low to high)`, marked against a goal the median must reach (`above`) or stay under."""
    if value is None:
        return "—"
    mark = ""
    if goal is not None:
        mark = " ✔" if (value.median >= goal if above else value.median <= goal) else " ✘"
    spread = f" [{value.low:.2f}, {value.high:.2f}]" if value.high - value.low >= 0.005 else ""
    return f"{value.median:.2f}{spread}{mark}"


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
    """Each gateway variant as ratios to the plain route measured in the same run, round by round."""
    out = [
        "| variant | procs | conns | req/s ratio to plain route | cost | goal | CPU per request ratio | p99 ratio |",
        "|---|--:|--:|--:|--:|---|--:|--:|",
    ]
    for feature in features:
        for procs, conns in _cells(rows):
            variant, plain = _find(rows, feature, procs, conns), _find(rows, "gateway", procs, conns)
            ratio, goal = _ratio(variant, plain), FEATURE_GOALS.get(feature)
            cost = f"{(1 - ratio.median) * 100:.0f}%" if ratio is not None else "—"
            verdict = "" if goal is None else f"cost < {goal * 100:.0f}%"
            if goal is not None and ratio is not None:
                verdict += " ✔" if 1 - ratio.median < goal else " ✘"
            cpu = _fmt(_ratio(variant, plain, "cpu"), 1 + goal if goal else None, above=False)
            p99_goal = P99_GOALS.get(feature)
            p99 = _fmt(_ratio(variant, plain, "p99"), p99_goal, above=False)
            out.append(f"| {label(feature)} | {procs} | {conns} | {_fmt(ratio)} | {cost} | {verdict} | {cpu} | {p99} |")
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
