"""Reads a configuration file from disk and finds which file to read; the only I/O in settings."""

from __future__ import annotations

import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from bot.settings.errors import Problem, SettingsError
from bot.settings.locate import key_lines, line_of
from bot.settings.parse import parse_settings
from bot.settings.schema import Settings

CONFIG_ENV = "UPSTREAM_BOT_CONFIG"
_WHERE = re.compile(r"\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_AT_END = re.compile(r"\s*\(at end of document\)$")


def resolve_config_path(arg: str | None, environ: Mapping[str, str]) -> Path:
    """The file to load: `arg` (--config), else $UPSTREAM_BOT_CONFIG, else the sandbox config."""
    if arg:
        return Path(arg)
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    return Path(__file__).resolve().parents[2] / "config" / "sandbox.toml"


def load_settings(path: str | os.PathLike[str], *, environ: Mapping[str, str]) -> Settings:
    """Read, parse and validate the TOML file at `path`; secrets come from `environ`.

    Raises SettingsError (never OSError or a TOML error) listing every problem with the file
    and, where it can be found, the line.
    """
    source = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise SettingsError(
            [
                Problem(
                    source,
                    "",
                    f"cannot read the configuration file ({error.strerror or error})",
                    f"check the path, or name another file with --config or {CONFIG_ENV}",
                )
            ]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SettingsError(
            [Problem(source, "", "the file is not UTF-8 text", "save it as UTF-8", line=line)]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError([_syntax_problem(source, text, error)]) from None
    try:
        return parse_settings(data, source=source, environ=environ, known_timezones=_timezones())
    except SettingsError as error:
        lines = key_lines(text)
        located = [replace(p, line=line_of(p.key, lines)) for p in error.problems]
        # in file order, as an editor walks through them; problems without a line go last
        located.sort(key=lambda p: (p.line is None, p.line or 0))
        raise SettingsError(located) from None


def _syntax_problem(source: str, text: str, error: tomllib.TOMLDecodeError) -> Problem:
    message = str(error)
    line = column = None
    where = _WHERE.search(message)
    if where:
        line, column = int(where["line"]), int(where["column"])
        message = message[: where.start()]
    elif _AT_END.search(message):
        line = text.count("\n") + 1
        message = _AT_END.sub("", message)
    spot = f"line {line}, column {column}" if column else f"line {line}" if line else "the file"
    return Problem(
        source,
        "",
        f"TOML syntax error: {message}",
        f"correct the TOML at {spot} (the format is described at https://toml.io)",
        line=line,
        column=column,
    )


def _timezones() -> frozenset[str] | None:
    """The system's IANA zone names, or None when it has no zone database to check against."""
    names = zoneinfo.available_timezones()
    return frozenset(names) if names else None
