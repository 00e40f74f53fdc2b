"""A 5x7 pixel font for the chart's numbers and week labels (no font files, no dependency)."""

from __future__ import annotations

from bot.notify.png import Canvas

WIDTH, HEIGHT = 5, 7

_ROWS = {
    "0": (".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."),
    "1": ("..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."),
    "2": (".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),
    "3": ("#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."),
    "4": ("...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."),
    "5": ("#####", "#....", "####.", "....#", "....#", "#...#", ".###."),
    "6": ("..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."),
    "7": ("#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."),
    "8": (".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."),
    "9": (".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."),
    "W": ("#...#", "#...#", "#...#", "#.#.#", "#.#.#", "##.##", "#...#"),
    "-": (".....", ".....", ".....", "#####", ".....", ".....", "....."),
    " ": (".....", ".....", ".....", ".....", ".....", ".....", "....."),
}


def text_width(text: str, *, scale: int) -> int:
    """Pixels `text` takes, one blank column between glyphs."""
    return max(len(text) * (WIDTH + 1) - 1, 0) * scale


def draw_text(
    canvas: Canvas, text: str, x: int, y: int, color: tuple[int, int, int], *, scale: int
) -> None:
    """Draw `text` with its top left corner at (x, y); characters the font lacks are blank."""
    for index, char in enumerate(text):
        rows = _ROWS.get(char.upper(), _ROWS[" "])
        left = x + index * (WIDTH + 1) * scale
        for row, bits in enumerate(rows):
            for column, bit in enumerate(bits):
                if bit == "#":
                    canvas.fill(left + column * scale, y + row * scale, scale, scale, color)
