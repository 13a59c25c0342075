"""The delivery's metrics, recorded where they can be scraped.

The pushers run in the signals process, whose metrics no listener serves: they note each sample
here, and the notes are replayed into the serving process's `SignalMetrics` (sent over the pipe
to the process that started the signals process, a few times a second)."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.signals.metrics import SignalMetrics

# (metric: depth | deliveries | lag, label values, method: set | inc | observe, value)
Note = tuple[str, tuple[str, ...], str, float]


@dataclass(frozen=True, slots=True)
class _Sample:
    notes: list[Note]
    metric: str
    labels: tuple[str, ...]

    def set(self, value: float) -> None:
        """A gauge's new value."""
        self.notes.append((self.metric, self.labels, "set", float(value)))

    def inc(self, amount: float = 1.0) -> None:
        """A counter's increment."""
        self.notes.append((self.metric, self.labels, "inc", float(amount)))

    def observe(self, value: float) -> None:
        """A histogram's observation."""
        self.notes.append((self.metric, self.labels, "observe", float(value)))


@dataclass(frozen=True, slots=True)
class _Metric:
    notes: list[Note]
    name: str

    def labels(self, *values: str) -> _Sample:
        """The sample of these label values."""
        return _Sample(self.notes, self.name, values)


class MetricsRelay:
    """`depth`, `deliveries` and `lag` as `SignalMetrics` names them, noted for later replay."""

    def __init__(self) -> None:
        self._notes: list[Note] = []
        self.depth = _Metric(self._notes, "depth")
        self.deliveries = _Metric(self._notes, "deliveries")
        self.lag = _Metric(self._notes, "lag")

    def drain(self) -> list[Note]:
        """The notes since the last drain."""
        notes = list(self._notes)
        self._notes.clear()
        return notes


_METRICS = frozenset({"depth", "deliveries", "lag"})
_METHODS = frozenset({"set", "inc", "observe"})


def replay(metrics: SignalMetrics, notes: list[Note]) -> None:
    """Record `notes` in `metrics` (unknown names are skipped: they come from another process)."""
    for metric, labels, method, value in notes:
        if metric in _METRICS and method in _METHODS:
            getattr(getattr(metrics, metric).labels(*labels), method)(value)
