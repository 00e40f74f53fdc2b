"""Decides where `add_files` puts a `PatchN:`/`SourceN:` line and the line that applies a patch.

autopatch-tool's placement, learned from its docs and corpus: the new directive goes after the
last directive of its kind (after the enclosing `%endif` when that one is conditional), under a
`# AlmaLinux Patch` marker; the apply line goes after the last `%patch` line (after its
enclosing `%endif`/`popd`) in the same style, or after `%setup`; nothing is applied when
`%autosetup`/`%autopatch` applies every patch, or when patches live in a `*.patches` file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.ingest.autopatch.spec import SpecEditError

APPLY_MARKER = "# Applying AlmaLinux Patch"
_AUTO_APPLY = ("%autosetup", "%forgeautosetup", "%autopatch")
_BLOCK_END = re.compile(r"(?:%endif|popd)\b")
#: `%i…` is how the tool spots a block start going upwards: %if, %ifarch, also %install.
_BLOCK_START = ("%i", "push")


class ApplyStyle(StrEnum):
    """How a spec spells the line that applies patch N."""

    CLASSIC = "%patchN"
    P_SPACE = "%patch -P N"
    P_JOINED = "%patch -PN"
    KERNEL = "ApplyPatch"
    AUTOSETUP = "%autosetup"


_STYLES = (
    (ApplyStyle.CLASSIC, re.compile(r"%patch\d{1,5}")),
    # Also the number-less form the tool itself writes for `Patch:` specs (`%patch -P  -p1`).
    (ApplyStyle.P_SPACE, re.compile(r"%patch\s+-P\s+(?:\d{1,5}|(?=-))")),
    (ApplyStyle.P_JOINED, re.compile(r"%patch\s+-P\d{1,5}")),
    (ApplyStyle.KERNEL, re.compile(r"ApplyOptionalPatch|ApplyPatch")),
)


@dataclass(frozen=True, slots=True)
class Declared:
    """The lines with the new directive, and the number written ("" for number-less specs)."""

    lines: list[str]
    number: str
    #: Set when "Latest" produced a number the spec already declares (see `declare`).
    duplicate: bool = False


def declare(
    lines: Sequence[str],
    *,
    directive: str,
    name: str,
    number: int | None,
    marker: bool,
    patches_file: bool = False,
) -> Declared:
    """Add `<directive><number>: <name>`; `number` None takes the last directive's plus one.

    That is autopatch-tool's "Latest": one more than the number of the last directive line,
    which is one more than the highest whenever the spec lists them in ascending order.
    """
    found = _last_directive(lines, directive)
    if found is None and directive == "Patch" and not patches_file:
        # A spec without patches gets its first one after the sources.
        found = _last_directive(lines, "Source")
    if found is None and not patches_file:
        raise SpecEditError(f"no {directive}N: line to add {name} after")
    anchor, last, numberless = found if found is not None else (len(lines) - 1, 0, False)
    if numberless:
        written = ""
    elif number is None:
        written = str(last + 1)
    elif number in _numbers(lines, directive):
        raise SpecEditError(
            f'{directive}{number} is already declared; pick another number or "Latest"'
        )
    else:
        written = str(number)
    block = []
    if marker and not any(_is_marker(line, f"# AlmaLinux {directive}") for line in lines):
        block = ["", f"# AlmaLinux {directive}"] if lines else [f"# AlmaLinux {directive}"]
    block.append(f"{directive}{written}: {name}")
    # "Latest" follows the *last* directive, like the tool; out-of-order numbers can collide.
    duplicate = number is None and written != "" and int(written) in _numbers(lines, directive)
    return Declared([*lines[: anchor + 1], *block, *lines[anchor + 1 :]], written, duplicate)


def add_apply_line(
    lines: Sequence[str], *, number: str, name: str, marker: bool, no_backup: bool, kernel: bool
) -> tuple[list[str], ApplyStyle]:
    """Add the line that applies the patch; unchanged when `%autosetup` applies it."""
    style = _spec_style(lines, kernel=kernel)
    anchor = _apply_anchor(lines)
    if style is ApplyStyle.AUTOSETUP:
        return list(lines), style
    if anchor is None:
        anchor = _last_setup(lines)
        if anchor is None:
            raise SpecEditError(f"no %patch or %setup line to apply {name} after")
        style = ApplyStyle.P_SPACE
    if style is None:
        raise SpecEditError("cannot tell how this spec applies patches")
    block = []
    if marker and not any(_is_marker(line, APPLY_MARKER) for line in lines):
        block = ["", APPLY_MARKER]
    block.append(_apply_line(style, number, name, no_backup=no_backup))
    return [*lines[: anchor + 1], *block, *lines[anchor + 1 :]], style


def apply_style(line: str) -> ApplyStyle | None:
    """The style of a line that applies a patch, None for any other line."""
    text = line.strip()
    for style, pattern in _STYLES:
        if pattern.match(text):
            return style
    return None


def _last_directive(lines: Sequence[str], directive: str) -> tuple[int, int, bool] | None:
    """(line to insert after, number of the last directive, whether it has no number)."""
    pattern = re.compile(rf"{directive}(\d*):")
    in_block = False
    after_end = len(lines) - 1
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if _BLOCK_END.match(line):
            in_block = True
            after_end = min(index + 1, len(lines) - 1)
        elif in_block and line.startswith(_BLOCK_START):
            in_block = False
        match = pattern.match(line)
        if match:
            digits = match.group(1)
            return (after_end if in_block else index), int(digits or 0), not digits
    return None


def _numbers(lines: Sequence[str], directive: str) -> set[int]:
    pattern = re.compile(rf"{directive}(\d+):")
    return {int(m.group(1)) for line in lines if (m := pattern.match(line))}


def _spec_style(lines: Sequence[str], *, kernel: bool) -> ApplyStyle | None:
    if kernel:
        return ApplyStyle.KERNEL
    if any(macro in line for line in lines for macro in _AUTO_APPLY):
        return ApplyStyle.AUTOSETUP
    for line in reversed(lines):
        if (style := apply_style(line)) is not None:
            return style
    return None


def _apply_anchor(lines: Sequence[str]) -> int | None:
    """The last apply line, or the end of the conditional/pushd block that holds it."""
    in_block = False
    block_end: int | None = None
    last: int | None = None
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if last is None and _BLOCK_END.match(line):
            in_block, block_end = True, index
        elif in_block and line.startswith(_BLOCK_START):
            in_block = False
            if last is None:
                block_end = None
        if last is None and apply_style(line) is not None:
            last = index
    return block_end if block_end is not None else last


def _last_setup(lines: Sequence[str]) -> int | None:
    for index in range(len(lines) - 1, -1, -1):
        if re.match(r"%setup\b", lines[index]):
            return index
    return None


def _apply_line(style: ApplyStyle, number: str, name: str, *, no_backup: bool) -> str:
    # The tool's backup suffix drops every dot of the name: foo-1.2.patch -> .foo-12
    stem = "".join(name.split(".")[:-1])
    if style is ApplyStyle.KERNEL:
        return f"ApplyPatch {stem}.patch"
    head = {
        ApplyStyle.CLASSIC: f"%patch{number}",
        ApplyStyle.P_SPACE: f"%patch -P {number}",
        ApplyStyle.P_JOINED: f"%patch -P{number}",
    }[style]
    return f"{head} -p1" if no_backup else f"{head} -p1 -b .{stem}"


def _is_marker(line: str, marker: str) -> bool:
    return line.lower() == marker.lower()
