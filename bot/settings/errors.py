"""What is wrong with a configuration: one Problem per mistake, all raised together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a configuration file: where it is, what is wrong, and how to fix it."""

    source: str
    key: str
    message: str
    fix: str
    line: int | None = None
    column: int | None = None

    def where(self) -> str:
        """`file[:line[:column]]`, the way compilers point at a spot."""
        place = self.source
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        return place

    def __str__(self) -> str:
        key = f" {self.key}:" if self.key else ""
        return f"{self.where()}:{key} {self.message}; fix: {self.fix}"


class SettingsError(Exception):
    """The configuration cannot be used; `problems` lists every mistake found, not only the first.

    Raised by `parse_settings` and `load_settings`; messages never contain secret values.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        count = len(self.problems)
        sources = sorted({problem.source for problem in self.problems})
        head = (
            f"{', '.join(sources)}: {count} problem{'s' if count != 1 else ''} in the configuration"
        )
        return "\n".join([head, *(f"  - {problem}" for problem in self.problems)])

    def __str__(self) -> str:
        return self._render()


class Problems:
    """Collects problems while one file is parsed, so that all of them are reported at once."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._items: list[Problem] = []

    def add(self, key: str, message: str, fix: str) -> None:
        self._items.append(Problem(self.source, key, message, fix))

    def __len__(self) -> int:
        return len(self._items)

    def raise_if_any(self) -> None:
        if self._items:
            raise SettingsError(self._items)
