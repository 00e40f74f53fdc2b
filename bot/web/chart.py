"""The overview's trend chart as geometry for an inline SVG: one polyline per series,
"nice" y ticks and a few dated x labels. Pure; the template draws it, escaping included."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.view_records import TrendPoint

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 20, 12, 28
#: (field of TrendPoint, label, CSS class); the class picks the colour.
SERIES = (
    ("waiting", "pending (incl. reminded)", "waiting"),
    ("submitted", "submitted", "submitted"),
    ("merged", "merged", "merged"),
)


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    css: str
    points: str
    dots: tuple[tuple[float, float, str], ...]
    last: int


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    series: tuple[Series, ...]
    y_ticks: tuple[tuple[float, int], ...]
    x_labels: tuple[tuple[float, str], ...]
    plot: tuple[float, float, float, float]  # left, top, right, bottom
    description: str


def trend_chart(points: Sequence[TrendPoint]) -> Chart | None:
    """The chart of ``points`` (oldest first), or None when there is nothing to draw."""
    if not points:
        return None
    top = max(max(getattr(p, name) for p in points) for name, _, _ in SERIES)
    step = _nice_step(top)
    ceiling = max(step, math.ceil(top / step) * step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)

    def y(value: int) -> float:
        return TOP + plot_h * (1 - value / ceiling)

    series = []
    for name, label, css in SERIES:
        coords = [(round(x(i), 1), round(y(getattr(p, name)), 1)) for i, p in enumerate(points)]
        dots = tuple(
            (cx, cy, f"{p.at:%Y-%m-%d}: {getattr(p, name)} {label}")
            for (cx, cy), p in zip(coords, points, strict=True)
        )
        series.append(Series(label, css, " ".join(f"{cx},{cy}" for cx, cy in coords), dots,
                             getattr(points[-1], name)))
    ticks = tuple((round(y(v), 1), v) for v in range(0, ceiling + 1, step))
    chosen = sorted({0, len(points) // 2, len(points) - 1})
    labels = tuple((round(x(i), 1), f"{points[i].at:%Y-%m-%d}") for i in chosen)
    first, last = points[0], points[-1]
    description = (
        f"{len(points)} scans from {first.at:%Y-%m-%d} to {last.at:%Y-%m-%d}; now "
        + ", ".join(f"{s.last} {s.label}" for s in series)
    )
    return Chart(WIDTH, HEIGHT, tuple(series), ticks, labels,
                 (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM), description)


def _nice_step(top: int) -> int:
    """A tick step of 1, 2 or 5 times a power of ten giving about five ticks."""
    if top <= 5:
        return 1
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))
