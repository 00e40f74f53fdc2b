"""Splits text into lines the way rpm and git count them: at newlines only."""

from __future__ import annotations


def lines_of(text: str) -> list[str]:
    """The lines of `text`, split at "\\n" only (a trailing "\\r" is dropped).

    `str.splitlines` also splits at form feeds, "\\x1c" to "\\x1e", "\\x85" and Unicode line
    separators, which would put line numbers out of step with what rpm, git and editors
    show for the same file.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def byte_lines_of(data: bytes) -> list[bytes]:
    """`lines_of` for bytes."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]
