"""How one configuration value is read and checked: types, names, durations, unknown keys."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from datetime import time, timedelta
from email.utils import parseaddr
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)
Converter = Callable[[Any], T]

_DURATION = re.compile(r"(?P<amount>[0-9]+)(?P<unit>[smhdw])")
_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
DURATION_FORMAT = 'a whole number and one unit, like "45s", "15m", "6h", "30d" or "2w"'
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_CLOCK = re.compile(r"(?P<hour>[01][0-9]|2[0-3]):(?P<minute>[0-5][0-9])")
_SECRET_WORDS = ("token", "password", "passwd", "secret", "api_key", "apikey", "private_key")


class Invalid(Exception):
    """A value is wrong: `message` says what, `fix` says what to write instead."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def is_secret_key(key: str) -> bool:
    """A key whose value would be a credential (`token`, `smtp_password`, `webhook_secret`)."""
    name = key.lower().replace("-", "_")
    return any(name == word or name.endswith("_" + word) for word in _SECRET_WORDS)


def quote(text: str) -> str:
    """A short, TOML-looking rendering of a user's string for messages."""
    shown = text if len(text) <= 60 else text[:57] + "..."
    return json.dumps(shown, ensure_ascii=False)


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {quote(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return f"a TOML {type(value).__name__}"


def suggest(word: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def parse_duration(text: str) -> timedelta:
    """`"30d"` → 30 days; raises ValueError for anything but a number and one unit s/m/h/d/w."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r}")
    return int(match["amount"]) * _UNITS[match["unit"]]


def _string(value: Any, example: str) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected a string, got {describe(value)}", f"write it in quotes: {example}")
    if not value.strip():
        raise Invalid("is empty", f"write a value, e.g. {example}")
    return value


def text(
    *, example: str, pattern: re.Pattern[str] | None = None, expected: str = ""
) -> Converter[str]:
    """A non-empty string, optionally matching `pattern` (described as `expected`)."""

    def convert(value: Any) -> str:
        string = _string(value, example)
        if pattern is not None and pattern.fullmatch(string) is None:
            raise Invalid(f"{quote(string)} is not {expected}", f"write {expected}, e.g. {example}")
        return string

    return convert


def integer(*, minimum: int, maximum: int) -> Converter[int]:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            fix = f"write a whole number from {minimum} to {maximum} without quotes"
            raise Invalid(f"expected an integer, got {describe(value)}", fix)
        if not minimum <= value <= maximum:
            raise Invalid(f"{value} is out of range", f"use a number from {minimum} to {maximum}")
        return value

    return convert


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(
            f"expected true or false, got {describe(value)}", "write true or false without quotes"
        )
    return value


def duration(*, minimum: timedelta, maximum: timedelta) -> Converter[timedelta]:
    def convert(value: Any) -> timedelta:
        if not isinstance(value, str):
            raise Invalid(
                f"expected a duration string, got {describe(value)}", f"write {DURATION_FORMAT}"
            )
        try:
            span = parse_duration(value)
        except ValueError:
            raise Invalid(f"{quote(value)} is not a duration", f"write {DURATION_FORMAT}") from None
        if not minimum <= span <= maximum:
            raise Invalid(
                f"{quote(value)} is out of range",
                f"use a duration from {_span(minimum)} to {_span(maximum)}",
            )
        return span

    return convert


def _span(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in reversed(_UNITS.items()):
        step = int(size.total_seconds())
        if seconds % step == 0:
            return f'"{seconds // step}{unit}"'
    return f'"{seconds}s"'


def choice(enum: type[E]) -> Converter[E]:
    allowed = [member.value for member in enum]

    def convert(value: Any) -> E:
        listed = ", ".join(allowed)
        if not isinstance(value, str):
            raise Invalid(
                f"expected one of {listed}, got {describe(value)}",
                f"write one of {listed} in quotes",
            )
        if value in allowed:
            return enum(value)
        close = suggest(value.lower(), allowed)
        fix = f'did you mean "{close}"?' if close else f"use one of {listed}"
        raise Invalid(f"expected one of {listed}, got {quote(value)}", fix)

    return convert


def strings(item: Converter[str], *, example: str) -> Converter[tuple[str, ...]]:
    """A list of strings, each checked by `item`, without duplicates."""

    def convert(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise Invalid(
                f"expected a list, got {describe(value)}", f"write a list, e.g. {example}"
            )
        seen: list[str] = []
        for index, element in enumerate(value):
            try:
                checked = item(element)
            except Invalid as error:
                raise Invalid(f"item {index + 1}: {error.message}", error.fix) from None
            if checked in seen:
                raise Invalid(f"item {index + 1}: {quote(checked)} is listed twice", "list it once")
            seen.append(checked)
        return tuple(seen)

    return convert


def env_name(*, example: str) -> Converter[str]:
    """The name of an environment variable; its value is never echoed, it may be a pasted secret."""

    def convert(value: Any) -> str:
        if not isinstance(value, str) or ENV_NAME.fullmatch(value) is None:
            raise Invalid(
                "is not the name of an environment variable",
                f'write the variable\'s name, e.g. "{example}" (A-Z, 0-9, _); the secret itself '
                "goes in the environment, never in config files",
            )
        return value

    return convert


def url(*, example: str) -> Converter[str]:
    """An http(s) URL without credentials, query or fragment, returned without a trailing slash."""

    def convert(value: Any) -> str:
        string = _string(value, example)
        try:
            parts = urlsplit(string)
            parts.port  # noqa: B018 -- raises ValueError on a malformed port
        except ValueError:
            raise Invalid(
                f"{quote(string)} is not a valid URL", f"write a URL like {example}"
            ) from None
        if parts.username or parts.password:
            raise Invalid(
                "the URL carries a user name or password",
                "remove the credentials from the URL; they go in the environment",
            )
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Invalid(f"{quote(string)} is not an http(s) URL", f"write a URL like {example}")
        if parts.query or parts.fragment:
            raise Invalid(f"{quote(string)} has a query or fragment", f"write a URL like {example}")
        return string.rstrip("/")

    return convert


def email(value: Any) -> str:
    example = '"upstream-bot@example.org" or "Upstream Bot <upstream-bot@example.org>"'
    string = _string(value, example)
    _, address = parseaddr(string)
    local, _, domain = address.partition("@")
    # a line break would let the value add mail headers of its own
    broken = any(c.isspace() for c in address) or any(ord(c) < 32 or ord(c) == 127 for c in string)
    if not local or "." not in domain or broken:
        raise Invalid(f"{quote(string)} is not an email address", f"write {example}")
    return string


def clock_time(value: Any) -> time:
    """`"08:00"` or a TOML local time; seconds are not meaningful for a schedule."""
    if isinstance(value, time) and value.tzinfo is None:
        return value.replace(second=0, microsecond=0)
    fix = 'write a 24-hour time in quotes, e.g. "08:00"; the zone goes in timezone'
    if not isinstance(value, str):
        raise Invalid(f"expected a time of day, got {describe(value)}", fix)
    match = _CLOCK.fullmatch(value)
    if match is None:
        raise Invalid(f"{quote(value)} is not a time of day", fix)
    return time(int(match["hour"]), int(match["minute"]))
