"""The project digest's trend as a stacked bar chart in a PNG: one bar per week, one colour
per series, a gap where no scan stored a snapshot. Mail clients show PNG inline where many
refuse SVG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.digest_model import TREND_SERIES, TrendWeek
from bot.notify.glyphs import HEIGHT as GLYPH_HEIGHT
from bot.notify.glyphs import draw_text, text_width
from bot.notify.png import Canvas

#: Colours by series label, also used by the HTML legend (readable for red-green deficiency:
#: the upstream and pending series differ in lightness as well as hue).
COLORS: dict[str, tuple[int, int, int]] = {
    "upstream": (27, 94, 32),
    "submitted": (30, 136, 229),
    "pending": (255, 160, 0),
    "rejected": (183, 28, 28),
}
_BACKGROUND = (255, 255, 255)
_GRID = (224, 224, 224)
_AXIS = (97, 97, 97)
_TEXT = (66, 66, 66)
_SCALE = 2


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    width: int
    height: int
    alt: str


def hex_color(label: str) -> str:
    red, green, blue = COLORS[label]
    return f"#{red:02x}{green:02x}{blue:02x}"


def trend_chart(trend: Sequence[TrendWeek], *, width: int = 640, height: int = 240) -> Chart:
    """The chart of `trend` (oldest week first)."""
    canvas = Canvas(width, height, _BACKGROUND)
    totals = [sum(week.counts) for week in trend if week.counts is not None]
    top = _nice(max(totals, default=0))
    label_w = text_width(str(top), scale=_SCALE)
    left, right, upper, lower = label_w + 14, 10, 12, GLYPH_HEIGHT * _SCALE + 14
    plot_w, plot_h = width - left - right, height - upper - lower
    for fraction in (0.0, 0.5, 1.0):
        y = upper + plot_h - round(plot_h * fraction)
        canvas.fill(left, y, plot_w, 1, _GRID if fraction else _AXIS)
        value = str(round(top * fraction))
        draw_text(canvas, value, left - 8 - text_width(value, scale=_SCALE),
                  y - GLYPH_HEIGHT * _SCALE // 2, _TEXT, scale=_SCALE)
    slot = plot_w / max(len(trend), 1)
    bar = max(int(slot * 0.6), 1)
    for index, week in enumerate(trend):
        x = left + round(index * slot + (slot - bar) / 2)
        label = week.week[-3:]  # "W48"
        draw_text(canvas, label, x + (bar - text_width(label, scale=_SCALE)) // 2,
                  height - lower + 8, _TEXT, scale=_SCALE)
        if week.counts is None:
            canvas.fill(x, upper + plot_h - 3, bar, 3, _GRID)
            continue
        base = upper + plot_h
        for (name, _), count in zip(TREND_SERIES, week.counts, strict=True):
            size = round(plot_h * count / top) if top else 0
            canvas.fill(x, base - size, bar, size, COLORS[name])
            base -= size
    return Chart(canvas.png(), width, height, _alt(trend))


def _nice(value: int) -> int:
    """A round number at least `value` (at least 2, so that half of it is a whole number):
    1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten."""
    step = 1
    while True:
        for factor in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            top = step * factor
            if top >= max(value, 2) and top == int(top) and top % 2 == 0:
                return int(top)
        step *= 10


def _alt(trend: Sequence[TrendWeek]) -> str:
    known = [week for week in trend if week.counts is not None]
    if not known:
        return f"Trend of the last {len(trend)} weeks: no scan stored counts."
    first, last = known[0], known[-1]
    assert first.counts is not None and last.counts is not None
    moves = ", ".join(
        f"{name} {a} to {b}"
        for (name, _), a, b in zip(TREND_SERIES, first.counts, last.counts, strict=True)
    )
    return f"Trend from {first.week} to {last.week}: {moves}."
