"""Expands the simple macros spec tags use (`%{name}`, `%{version}`, `%{?x}`); leaves the rest."""

from __future__ import annotations

import re

_MACRO = re.compile(r"%\{(!?\??)([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}|%([A-Za-z_][A-Za-z0-9_]*)")
_MAX_DEPTH = 8


class MacroTable:
    """Macros defined by `%global`/`%define` and by Name/Version/Release/Source/Patch tags."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def define(self, name: str, value: str, *, only_if_new: bool = False) -> None:
        if only_if_new and name in self._values:
            return
        self._values[name] = value

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def expand(self, text: str) -> str:
        """Expand known macros; an unknown `%{x}` is kept as written, `%{?x}` becomes empty."""
        for _ in range(_MAX_DEPTH):
            expanded = _MACRO.sub(self._replace, text)
            if expanded == text:
                return expanded
            text = expanded
        return text

    def _replace(self, match: re.Match[str]) -> str:
        flags, name, body = match.group(1), match.group(2) or match.group(4), match.group(3)
        value = self._values.get(name)
        if not flags:
            return value if value is not None else match.group(0)
        negate = flags.startswith("!")
        if (value is not None) == negate:
            return ""
        if body is not None:
            return body
        return "" if negate or value is None else value
