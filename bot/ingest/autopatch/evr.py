"""Decides the epoch:version-release a changelog entry names, as `rpmspec --parse` would expand it.

autopatch-tool runs `rpmspec` with `%dist` empty and `%rhel` set; this module expands the
macros a spec defines with `%global`/`%define`, follows `%if`/`%ifarch` branches, and leaves
what it cannot know (shell, Lua, undefined macros) as written, like rpm does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.ingest.autopatch.expr import evaluate

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACED = re.compile(r"(?P<flags>[!?]*)(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<body>.*))?", re.S)
_DEFINE = re.compile(
    r"%(?P<how>global|define)\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<args>\([^)]*\))?\s*(?P<value>.*)"
)
_TAG = re.compile(r"(?P<tag>Name|Version|Release|Epoch):\s*(?P<value>.*)")
_MAX_DEPTH = 24
#: Expansions longer than this are macro bombs; rpm would run out of memory on them too.
_MAX_LENGTH = 1 << 16
#: Expansion steps allowed per value: lazy `%define` chains can double the work per level.
_MAX_STEPS = 20_000


@dataclass(frozen=True, slots=True)
class Evr:
    """Epoch (None when the spec has none), version and release, macros expanded."""

    epoch: str | None
    version: str
    release: str

    def __str__(self) -> str:
        base = f"{self.version}-{self.release}"
        return f"{self.epoch}:{base}" if self.epoch is not None else base


class Macros:
    """A macro table and rpm-style expansion of `%name`, `%{name}`, `%{?name:x}`, `%{!?name:x}`."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = dict(values or {})
        self._steps = 0

    def expand(self, text: str, depth: int = 0) -> str:
        """`text` with every known macro expanded; unknown ones stay as written."""
        if depth == 0:
            self._steps = 0
        if depth > _MAX_DEPTH or "%" not in text:
            return text
        out: list[str] = []
        size = index = 0
        while index < len(text):
            self._steps += 1
            if self._steps > _MAX_STEPS:
                return "".join(out) + text[index:]
            piece, index = self._next(text, index, depth)
            out.append(piece)
            size += len(piece)
            if size > _MAX_LENGTH:
                return text
        return "".join(out)

    def _next(self, text: str, index: int, depth: int) -> tuple[str, int]:
        """The expansion of what starts at `index`, and where the rest starts."""
        char = text[index]
        following = text[index + 1 : index + 2]
        if char != "%":
            end = text.find("%", index)
            end = len(text) if end < 0 else end
            return text[index:end], end
        if following == "%":
            return "%", index + 2
        if following == "{":
            end = _closing_brace(text, index + 1)
            if end < 0:
                return text[index:], len(text)
            return self._braced(text[index + 2 : end], text[index : end + 1], depth), end + 1
        match = _NAME.match(text, index + 1)
        if match is None:
            return char, index + 1
        value = self.values.get(match.group())
        expanded = self.expand(value, depth + 1) if value is not None else f"%{match.group()}"
        return expanded, match.end()

    def _braced(self, inner: str, whole: str, depth: int) -> str:
        match = _BRACED.fullmatch(inner)
        if match is None:
            return whole
        flags, name, body = match["flags"], match["name"], match["body"]
        defined = name in self.values
        if "?" in flags:
            if "!" in flags:
                return self.expand(body, depth + 1) if body is not None and not defined else ""
            if not defined:
                return ""
            return self.expand(body if body is not None else self.values[name], depth + 1)
        if name == "expand" and body is not None:
            return self.expand(self.expand(body, depth + 1), depth + 1)
        if defined and body is None:
            return self.expand(self.values[name], depth + 1)
        return whole


def spec_evr(
    lines: Sequence[str],
    *,
    el_version: str | None = None,
    arch: str = "x86_64",
    raw_version: bool = False,
    raw_release: bool = False,
) -> Evr | None:
    """The main package's EVR; None when the spec has no `Version:` or `Release:`."""
    macros = Macros({"dist": "", "nil": "", "_arch": arch, "_target_cpu": arch})
    if el_version is not None:
        macros.values["rhel"] = el_version
    found: dict[str, str] = {}
    raw: dict[str, str] = {}
    branches: list[tuple[bool, bool, bool]] = []  # (parent active, this active, some branch taken)
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.strip() == "%changelog":
            break
        stripped = line.lstrip()
        word = stripped.split(maxsplit=1)[0] if stripped else ""
        rest = stripped[len(word) :].strip()
        active = all(frame[1] for frame in branches)
        if word in _OPENERS:
            truth = active and _condition(word, rest, macros, arch)
            branches.append((active, truth, truth))
            continue
        if word in _ELSE_IFS and branches:
            parent, _this, taken = branches[-1]
            truth = (
                parent and not taken and _condition(word.replace("el", "", 1), rest, macros, arch)
            )
            branches[-1] = (parent, truth, taken or truth)
            continue
        if word == "%else" and branches:
            parent, _this, taken = branches[-1]
            branches[-1] = (parent, parent and not taken, True)
            continue
        if word == "%endif" and branches:
            branches.pop()
            continue
        if stripped.startswith(("%global", "%define")):
            value_lines, index = _definition(lines, index - 1)
            if active:
                _define(macros, "\n".join(value_lines))
            continue
        if word == "%undefine" and active:
            macros.values.pop(rest, None)
            continue
        tag = _TAG.match(line)
        if tag and active and tag["tag"] not in found:
            value = macros.expand(tag["value"])
            found[tag["tag"]] = value
            raw[tag["tag"]] = tag["value"]
            macros.values[tag["tag"].lower()] = value
    return _evr(found, raw, raw_version=raw_version, raw_release=raw_release)


_OPENERS = frozenset({"%if", "%ifarch", "%ifnarch", "%ifos", "%ifnos"})
_ELSE_IFS = frozenset({"%elif", "%elifarch", "%elifnarch", "%elifos", "%elifnos"})


def _condition(word: str, rest: str, macros: Macros, arch: str) -> bool:
    expanded = macros.expand(rest)
    if word in ("%ifarch", "%ifnarch"):
        inside = arch in expanded.split()
        return inside if word == "%ifarch" else not inside
    if word in ("%ifos", "%ifnos"):
        inside = "linux" in expanded.split()
        return inside if word == "%ifos" else not inside
    # What cannot be evaluated counts as false, so its definitions stay out.
    return bool(evaluate(expanded))


def _definition(lines: Sequence[str], start: int) -> tuple[list[str], int]:
    """The lines of a macro definition: backslash continuations and unbalanced braces."""
    taken = [lines[start]]
    index = start + 1
    while index < len(lines):
        current = "\n".join(taken)
        if not (current.endswith("\\") or current.count("{") > current.count("}")):
            break
        taken.append(lines[index])
        index += 1
    return taken, index


def _define(macros: Macros, text: str) -> None:
    match = _DEFINE.match(text.lstrip())
    if match is None:
        return
    value = match["value"].strip()
    if match["args"] is None and match["how"] == "global":
        value = macros.expand(value)
    macros.values[match["name"]] = value


def _evr(
    found: dict[str, str], raw: dict[str, str], *, raw_version: bool, raw_release: bool
) -> Evr | None:
    def last_word(values: dict[str, str], tag: str) -> str | None:
        # The tool keeps the last word of the line, so a value with spaces loses its head.
        words = values.get(tag, "").split()
        return words[-1] if words else None

    version = last_word(raw if raw_version else found, "Version")
    release = last_word(raw if raw_release else found, "Release")
    if version is None or release is None:
        return None
    return Evr(last_word(found, "Epoch"), version, release)


def _closing_brace(text: str, start: int) -> int:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1
