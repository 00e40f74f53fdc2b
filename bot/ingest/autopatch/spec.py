"""Decides how `modify_release`, `changelog_entry` and `add_line` change a spec's lines."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

#: The last line of rpmautospec's `%autorelease` definition; the suffix is appended to it.
AUTORELEASE_TEMPLATE = "}%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}"
CHANGELOG_WIDTH = 80

_AUTORELEASE_USE = re.compile(r"%\{?autorelease\}?")
_AUTORELEASE_DEFINED = re.compile(r"%(?:define|global)\s+autorelease")
_SECTIONS = (
    "%description",
    "%prep",
    "%build",
    "%install",
    "%check",
    "%clean",
    "%files",
    "%changelog",
    "%pre",
    "%post",
    "%preun",
    "%postun",
    "%package",
    "%triggerin",
    "%triggerun",
    "%triggerpostun",
    "%verifyscript",
    "%pretrans",
    "%posttrans",
)
#: Sections whose own line names the subpackage (`%files -n foo`, `%description foo`).
_NAMED_SECTIONS = ("%files", "%description", "%pre", "%post", "%preun", "%postun")


class SpecEditError(ValueError):
    """The spec does not have what the action needs; the message says what is missing."""


@dataclass(frozen=True, slots=True)
class Released:
    """The spec after a release suffix, and whether `%autorelease` left `Release:` alone."""

    lines: list[str]
    autorelease: bool


def add_release_suffix(lines: Sequence[str], suffix: str) -> Released:
    """Append `suffix` to every `Release:` line; `%autorelease` gets it in its template instead."""
    out = list(lines)
    seen = autorelease = False
    for index, line in enumerate(out):
        if not line.startswith("Release:"):
            continue
        seen = True
        # The tool reads the value up to a second colon, so `%{?x:y}` hides what follows it.
        if _AUTORELEASE_USE.search(line.split(":")[1]):
            autorelease = True
        else:
            out[index] = line + suffix
    if not seen:
        raise SpecEditError("the spec has no `Release:` line at column 0")
    if autorelease and any(_AUTORELEASE_DEFINED.search(line) for line in out):
        for index, line in enumerate(out):
            if AUTORELEASE_TEMPLATE in line:
                out[index] = AUTORELEASE_TEMPLATE + suffix
                break
        else:
            raise SpecEditError("the spec defines %autorelease but its template line is not there")
    return Released(out, autorelease)


def has_autochangelog(lines: Sequence[str]) -> bool:
    """Whether the changelog is generated (`%autochangelog`): no entry is written then."""
    return "%autochangelog" in lines


def changelog_block(header: str, entry_lines: Sequence[str]) -> list[str]:
    """An entry: the header, each line as a `- ` item wrapped at 80 columns, a blank line."""
    body = [
        wrapped
        for text in entry_lines
        for wrapped in textwrap.wrap(
            text, CHANGELOG_WIDTH, initial_indent="- ", subsequent_indent="  "
        )
    ]
    return [header, *body, ""]


def add_changelog_entry(lines: Sequence[str], block: Sequence[str]) -> list[str]:
    """The entry on top of every `%changelog` section."""
    out: list[str] = []
    found = False
    for line in lines:
        out.append(line)
        if line == "%changelog":
            out.extend(block)
            found = True
    if not found:
        raise SpecEditError("the spec has no `%changelog` line")
    return out


def add_to_section(
    lines: Sequence[str], section: str, *, top: bool, content: str, subpackage: str | None = None
) -> list[str]:
    """`content` (and a blank line) at the top or bottom of a section."""
    start, end = section_bounds(lines, section, subpackage)
    if top:
        at = 0 if section == "global" and subpackage is None and start == 0 else start + 1
    else:
        at = end + 1
    text = content if content.endswith("\n") else content + "\n"
    return [*lines[:at], *text.split("\n"), *lines[at:]]


def section_bounds(lines: Sequence[str], section: str, subpackage: str | None) -> tuple[int, int]:
    """First and last line of a section; `global` is the preamble before the first section."""
    if section == "global":
        return _preamble(lines, subpackage)
    marker = f"%{section}"
    in_package = False
    for index, line in enumerate(lines):
        words = line.strip().split()
        if words and words[0].startswith("%package"):
            named = _named(words)
            if named is not None:
                in_package = named == subpackage
        if not line.strip().startswith(marker):
            continue
        if marker in _NAMED_SECTIONS:
            named = _named(words)
            if named != subpackage:
                continue
        elif subpackage is not None and not in_package:
            continue
        return index, _section_end(lines, index)
    owner = f" of subpackage {subpackage!r}" if subpackage else ""
    raise SpecEditError(f"the spec has no %{section} section{owner}")


def _preamble(lines: Sequence[str], subpackage: str | None) -> tuple[int, int]:
    if subpackage is None:
        for index, line in enumerate(lines):
            if line.strip().startswith(_SECTIONS):
                return 0, index - 1
        raise SpecEditError("the spec has no section at all, so its preamble has no end")
    heads = (f"%package {subpackage}", f"%package -n {subpackage}")
    for index, line in enumerate(lines):
        if line.strip().startswith(heads):
            return index, _section_end(lines, index)
    declared = [line.strip() for line in lines if line.strip().startswith("%package")]
    raise SpecEditError(f"no subpackage {subpackage!r}; the spec declares {declared}")


def _named(words: list[str]) -> str | None:
    """The subpackage a section line names (`-n x` or `x`), None for the main package."""
    if len(words) >= 3 and words[1] == "-n":
        return words[2]
    return words[1] if len(words) >= 2 else None


def _section_end(lines: Sequence[str], start: int) -> int:
    for index in range(start + 1, len(lines)):
        if lines[index].strip().startswith(_SECTIONS):
            return index - 1
    return len(lines) - 1
