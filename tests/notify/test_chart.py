"""bot/notify/png.py and chart.py: a valid PNG, read back byte for byte, and a chart that
draws what the trend says."""

from __future__ import annotations

import struct
import zlib

import pytest

from bot.domain.digest_model import TrendWeek
from bot.notify.chart import COLORS, trend_chart
from bot.notify.png import Canvas, encode_png


def decode(png: bytes) -> tuple[int, int, bytes]:
    """A strict reader for what encode_png writes: 8-bit RGB, filter 0, CRCs checked."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, []
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF, kind
        chunks.append((kind, data))
        offset += 12 + length
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour) == (8, 2)
    raw = zlib.decompress(chunks[1][1])
    stride = width * 3 + 1
    assert all(raw[row * stride] == 0 for row in range(height))
    pixels = b"".join(raw[row * stride + 1 : (row + 1) * stride] for row in range(height))
    return width, height, pixels


def pixel(image: tuple[int, int, bytes], x: int, y: int) -> tuple[int, int, int]:
    width, _, pixels = image
    start = (y * width + x) * 3
    return tuple(pixels[start : start + 3])  # type: ignore[return-value]


def test_a_canvas_reads_back_as_drawn() -> None:
    canvas = Canvas(5, 4, (255, 255, 255))
    canvas.fill(1, 1, 2, 2, (10, 20, 30))
    canvas.fill(4, 3, 9, 9, (1, 2, 3))  # clipped at the edge
    image = decode(canvas.png())
    assert image[:2] == (5, 4)
    assert pixel(image, 1, 1) == pixel(image, 2, 2) == (10, 20, 30)
    assert pixel(image, 0, 0) == pixel(image, 3, 3) == (255, 255, 255)
    assert pixel(image, 4, 3) == (1, 2, 3)


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="not 2x2 RGB"):
        encode_png(2, 2, b"\x00" * 11)
    with pytest.raises(ValueError, match="is not a size"):
        Canvas(0, 3, (0, 0, 0))


def test_the_chart_stacks_each_series_and_leaves_a_gap() -> None:
    trend = [TrendWeek("2026-W01", (10, 5, 20, 1)), TrendWeek("2026-W02", None),
             TrendWeek("2026-W03", (40, 0, 0, 0))]
    chart = trend_chart(trend, width=300, height=200)
    image = decode(chart.png)
    assert image[:2] == (300, 200) == (chart.width, chart.height)
    colours = {pixel(image, x, y) for x in range(300) for y in range(200)}
    assert {COLORS["upstream"], COLORS["submitted"], COLORS["pending"], COLORS["rejected"]} <= (
        colours
    )
    assert "2026-W01 to 2026-W03" in chart.alt and "upstream 10 to 40" in chart.alt


def test_an_empty_trend_still_draws_and_says_so() -> None:
    chart = trend_chart([TrendWeek("2026-W01", None)], width=120, height=80)
    assert decode(chart.png)[:2] == (120, 80)
    assert "no scan stored counts" in chart.alt
