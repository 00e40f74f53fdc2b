"""Finds the line of a dotted key in TOML text, so that problems point at a line (best effort)."""

from __future__ import annotations

import re

_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_PART}(?:\s*\.\s*{_PART})*)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(rf"\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")
_SPLIT = re.compile(rf"\s*({_PART})\s*")


def _dotted(text: str) -> str:
    return ".".join(part.strip("\"'") for part in _SPLIT.findall(text))


def key_lines(text: str) -> dict[str, int]:
    """Dotted key → the line (1-based) where it is first written; arrays of tables as `name[i]`.

    A line scanner, not a TOML parser: a `key =` inside a multi-line string can mislead it,
    which only costs a wrong line number, never a wrong problem.
    """
    lines: dict[str, int] = {}
    table = ""
    counts: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            name = _dotted(header[2])
            if header[1] == "[[":
                counts[name] = counts.get(name, -1) + 1
                name = f"{name}[{counts[name]}]"
            table = name
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            path = _dotted(key[1])
            lines.setdefault(f"{table}.{path}" if table else path, number)
    return lines


def line_of(key: str, lines: dict[str, int]) -> int | None:
    """The line of `key`, or of its nearest written parent (a missing key points at its table)."""
    while key:
        if key in lines:
            return lines[key]
        key = key[: key.rindex("[")] if key.endswith("]") else key.rpartition(".")[0]
    return None
