"""A minimal PNG writer (8-bit RGB, no interlace): enough for a chart, with only zlib."""

from __future__ import annotations

import struct
import zlib

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Canvas:
    """An RGB raster, drawn on with filled rectangles."""

    def __init__(self, width: int, height: int, background: tuple[int, int, int]) -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"canvas: {width}x{height} is not a size")
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def fill(self, x: int, y: int, w: int, h: int, color: tuple[int, int, int]) -> None:
        """Fill the rectangle, clipped to the canvas."""
        left, top = max(x, 0), max(y, 0)
        right, bottom = min(x + w, self.width), min(y + h, self.height)
        if right <= left or bottom <= top:
            return
        run = bytes(color) * (right - left)
        for row in range(top, bottom):
            start = (row * self.width + left) * 3
            self.pixels[start : start + len(run)] = run

    def png(self) -> bytes:
        return encode_png(self.width, self.height, bytes(self.pixels))


def encode_png(width: int, height: int, rgb: bytes) -> bytes:
    """The PNG file of a `width` x `height` image given as rows of RGB bytes."""
    stride = width * 3
    if len(rgb) != stride * height:
        raise ValueError(f"png: {len(rgb)} bytes is not {width}x{height} RGB")
    # each row starts with its filter type; 0 (none) compresses well enough for flat charts
    raw = b"".join(b"\x00" + rgb[row * stride : (row + 1) * stride] for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        _SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
