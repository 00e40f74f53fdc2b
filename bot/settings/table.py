"""Reads one TOML table into typed values, recording every bad, missing or unknown key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from bot.settings.errors import Problems
from bot.settings.values import Converter, Invalid, describe, is_secret_key, suggest

T = TypeVar("T")

MISSING: Any = object()


class Table:
    """Reads one TOML table, recording a Problem for each bad, missing or unknown key.

    Every key a parser may accept must be read on every run, even when an earlier one
    failed: the keys read are the keys `finish()` knows. After a problem a read returns
    None in place of a value; the caller discards what it built once `problems` grew.
    """

    def __init__(self, data: Mapping[str, Any], *, path: str, problems: Problems) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self._known: list[str] = []

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def problem(self, name: str, message: str, fix: str) -> None:
        self.problems.add(self.key(name), message, fix)

    def raw(self, name: str) -> Any:
        """The value as written (or a private sentinel); marks `name` as known."""
        if name not in self._known:
            self._known.append(name)
        return self.data.get(name, MISSING)

    def has(self, name: str) -> bool:
        return self.raw(name) is not MISSING

    def convert(self, name: str, value: Any, convert: Converter[T]) -> T:
        """`convert(value)`, or None after recording its problem at `name`."""
        try:
            return convert(value)
        except Invalid as error:
            self.problem(name, error.message, error.fix)
            return cast(T, None)

    def require(self, name: str, convert: Converter[T], *, example: str) -> T:
        value = self.raw(name)
        if value is MISSING:
            self.problem(name, "is missing", f"add {name} = {example}")
            return cast(T, None)
        return self.convert(name, value, convert)

    def get(self, name: str, convert: Converter[T], *, default: T) -> T:
        value = self.raw(name)
        return default if value is MISSING else self.convert(name, value, convert)

    def optional(self, name: str, convert: Converter[T]) -> T | None:
        value = self.raw(name)
        return None if value is MISSING else self.convert(name, value, convert)

    def table(self, name: str, *, example: str) -> Table | None:
        """A sub-table, or None when it is absent or not a table (reported)."""
        value = self.raw(name)
        if value is MISSING:
            return None
        if not isinstance(value, Mapping):
            self.problem(name, f"expected a table, got {describe(value)}", f"write it as {example}")
            return None
        return Table(value, path=self.key(name), problems=self.problems)

    def finish(self) -> None:
        """Report every key that was never read, with the closest known key as a suggestion."""
        for name in self.data:
            # a literal secret is reported once, by the secret check, with a better fix
            if name in self._known or is_secret_key(name):
                continue
            close = suggest(name, self._known)
            allowed = ", ".join(sorted(self._known))
            fix = f'did you mean "{close}"?' if close else f"remove it; allowed here: {allowed}"
            self.problem(name, f'unknown key "{name}"', fix)
