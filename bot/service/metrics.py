"""A small in-process metrics registry: counters, gauges and histograms with labels, rendered
in the Prometheus text exposition format (version 0.0.4).

Only what the bot needs: no summaries, no exemplars, no timestamps. Every family is
declared once with its label names; a sample with other labels is a programming error
and raises at once instead of producing a series nobody can query.
"""

from __future__ import annotations

import math
import re
import threading
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
#: Seconds, from a fast database read to a slow forge call or a whole scan.
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                   300.0, 900.0)

LabelValues = tuple[str, ...]


class MetricType(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"


class MetricError(ValueError):
    """A metric was declared or used wrongly (bad name, wrong labels, negative increment)."""


class _Family:
    type: MetricType

    def __init__(self, name: str, help: str, labels: Iterable[str]) -> None:
        if not _NAME.fullmatch(name):
            raise MetricError(f"metric name {name!r} is not a valid Prometheus name")
        self.name = name
        self.help = help
        self.labels = tuple(labels)
        for label in self.labels:
            if not _LABEL.fullmatch(label) or label.startswith("__") or label == "le":
                raise MetricError(f"{name}: label name {label!r} is not allowed")
        self._lock = threading.Lock()

    def _key(self, labels: Mapping[str, object]) -> LabelValues:
        if set(labels) != set(self.labels):
            raise MetricError(
                f"{self.name}: expected labels {sorted(self.labels)}, got {sorted(labels)}"
            )
        return tuple(str(labels[name]) for name in self.labels)

    def samples(self) -> list[tuple[str, LabelValues, tuple[tuple[str, str], ...], float]]:
        """(suffix, label values, extra labels, value) for every sample, in a stable order."""
        raise NotImplementedError


class Counter(_Family):
    """A value that only goes up (restarts from zero with the process)."""

    type = MetricType.COUNTER

    def __init__(self, name: str, help: str, labels: Iterable[str] = ()) -> None:
        super().__init__(name, help, labels)
        self._values: dict[LabelValues, float] = {}

    def inc(self, amount: float = 1.0, **labels: object) -> None:
        if amount < 0 or math.isnan(amount):
            raise MetricError(f"{self.name}: a counter cannot go down (inc by {amount})")
        key = self._key(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: object) -> float:
        return self._values.get(self._key(labels), 0.0)

    def samples(self) -> list[tuple[str, LabelValues, tuple[tuple[str, str], ...], float]]:
        with self._lock:
            return [("", key, (), value) for key, value in sorted(self._values.items())]


class Gauge(_Family):
    """A value that is set, e.g. read from the database at scrape time."""

    type = MetricType.GAUGE

    def __init__(self, name: str, help: str, labels: Iterable[str] = ()) -> None:
        super().__init__(name, help, labels)
        self._values: dict[LabelValues, float] = {}

    def set(self, value: float, **labels: object) -> None:
        key = self._key(labels)
        with self._lock:
            self._values[key] = float(value)

    def replace(self, values: Iterable[tuple[Mapping[str, object], float]]) -> None:
        """Set every series at once; series not named here disappear (a state now empty)."""
        fresh = {self._key(labels): float(value) for labels, value in values}
        with self._lock:
            self._values = fresh

    def value(self, **labels: object) -> float | None:
        return self._values.get(self._key(labels))

    def samples(self) -> list[tuple[str, LabelValues, tuple[tuple[str, str], ...], float]]:
        with self._lock:
            return [("", key, (), value) for key, value in sorted(self._values.items())]


class Histogram(_Family):
    """Observations counted into cumulative buckets, with their sum and count."""

    type = MetricType.HISTOGRAM

    def __init__(
        self,
        name: str,
        help: str,
        labels: Iterable[str] = (),
        *,
        buckets: Iterable[float] = DEFAULT_BUCKETS,
    ) -> None:
        super().__init__(name, help, labels)
        self.buckets = tuple(sorted(float(b) for b in buckets if not math.isinf(b)))
        if not self.buckets:
            raise MetricError(f"{name}: a histogram needs at least one finite bucket")
        # Per series: counts per bucket (non-cumulative, +Inf last), sum.
        self._series: dict[LabelValues, tuple[list[int], list[float]]] = {}

    def observe(self, value: float, **labels: object) -> None:
        key = self._key(labels)
        slot = bisect_left(self.buckets, value)
        with self._lock:
            counts, total = self._series.setdefault(key, ([0] * (len(self.buckets) + 1), [0.0]))
            counts[slot] += 1
            total[0] += value

    def count(self, **labels: object) -> int:
        series = self._series.get(self._key(labels))
        return sum(series[0]) if series else 0

    def samples(self) -> list[tuple[str, LabelValues, tuple[tuple[str, str], ...], float]]:
        out: list[tuple[str, LabelValues, tuple[tuple[str, str], ...], float]] = []
        with self._lock:
            for key, (counts, total) in sorted(self._series.items()):
                running = 0
                for bound, n in zip((*self.buckets, math.inf), counts, strict=True):
                    running += n
                    out.append(("_bucket", key, (("le", _number(bound)),), float(running)))
                out.append(("_sum", key, (), total[0]))
                out.append(("_count", key, (), float(running)))
        return out


F = TypeVar("F", bound=_Family)


class Registry:
    """The metric families of one process, rendered together."""

    def __init__(self) -> None:
        self._families: dict[str, _Family] = {}

    def counter(self, name: str, help: str, labels: Iterable[str] = ()) -> Counter:
        return self._add(Counter(name, help, labels))

    def gauge(self, name: str, help: str, labels: Iterable[str] = ()) -> Gauge:
        return self._add(Gauge(name, help, labels))

    def histogram(
        self,
        name: str,
        help: str,
        labels: Iterable[str] = (),
        *,
        buckets: Iterable[float] = DEFAULT_BUCKETS,
    ) -> Histogram:
        return self._add(Histogram(name, help, labels, buckets=buckets))

    def _add(self, family: F) -> F:
        if family.name in self._families:
            raise MetricError(f"metric {family.name} is declared twice")
        self._families[family.name] = family
        return family

    def render(self) -> str:
        """Every family in the text exposition format, families sorted by name."""
        lines: list[str] = []
        for name in sorted(self._families):
            family = self._families[name]
            lines.append(f"# HELP {name} {_escape_help(family.help)}")
            lines.append(f"# TYPE {name} {family.type}")
            for suffix, values, extra, value in family.samples():
                pairs = [*zip(family.labels, values, strict=True), *extra]
                labels = ",".join(f'{k}="{_escape_label(v)}"' for k, v in pairs)
                lines.append(f"{name}{suffix}{{{labels}}} {_number(value)}" if labels
                             else f"{name}{suffix} {_number(value)}")
        return "\n".join(lines) + "\n"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)
