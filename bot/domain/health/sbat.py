"""Finds malformed SBAT lines: the wrong number of fields, or a vendor entry named the wrong way.

An SBAT line is `component,generation,vendor,package,version,url`. A distribution's own
entry names its component `<upstream component>.<vendor>` (`grub.almalinux`); a comma or a
dash there (`grub,almalinux`) makes shim read another component, or no line at all.
SBAT lines live in files like `sbat.csv.in` or inline in the spec (a here-document).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.domain.distgit_model import DistGit
from bot.domain.health.lines import spec_lines
from bot.domain.health.model import Finding, HealthInput
from bot.domain.model import Severity
from bot.domain.rules import AnalysisRules
from bot.domain.text import lines_of

SBAT_MALFORMED = "sbat-malformed"
FIELDS = 6
_FORMAT = "component,generation,vendor,package,version,url"
_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.+-]*"
#: an SBAT-looking line in a spec: a name, then a generation in the 2nd (or, split, 3rd) field
_INLINE = re.compile(rf"^{_NAME},(?:\d+|@@\w+@@|{_NAME},\d+),.*,.*,")
_PLACEHOLDER = re.compile(r"@@\w+@@|%\{[^{}]+\}")
_ECHO = re.compile(r"""^echo\s+(?:-e\s+)?(["']?)(.*?)\1(?:\s*>>?\s*\S+)?$""")


@dataclass(frozen=True, slots=True)
class SbatLine:
    path: str
    number: int
    text: str


def sbat_lines(git: DistGit) -> Iterator[SbatLine]:
    """SBAT lines in SBAT files beside the spec and inline in the spec."""
    for name in sorted(git.files):
        if not _is_sbat_file(name):
            continue
        text = git.files[name].decode("utf-8", "replace")
        for number, line in enumerate(lines_of(text), start=1):
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                yield SbatLine(git.paths.get(name, name), number, stripped)
    for line in spec_lines(git):
        if line.comment:
            continue
        text = _unwrap(line.text.strip())
        if _INLINE.match(text):
            yield SbatLine(line.path, line.number, text)


def _is_sbat_file(name: str) -> bool:
    lower = name.lower()
    return "sbat" in lower and not lower.endswith((".patch", ".diff", ".spec", ".efi"))


def _unwrap(text: str) -> str:
    """The CSV inside `echo "..." >> sbat.csv`, or the text itself."""
    match = _ECHO.match(text)
    return match.group(2).strip() if match else text


def vendor_words(rules: AnalysisRules) -> tuple[str, ...]:
    """The distribution's names as they appear in an SBAT component suffix ("almalinux")."""
    classifier = rules.classifier
    words = (classifier.guard_macro, *classifier.distribution_words)
    return tuple(dict.fromkeys(w.lower().replace(" ", "") for w in words if w.strip()))


def problem(text: str, vendors: tuple[str, ...]) -> tuple[str, str] | None:
    """What is wrong with one SBAT line and how to fix it, or None when it is well formed."""
    fields = text.split(",")
    if len(fields) == FIELDS + 1 and fields[1].lower() in vendors:
        joined = f"{fields[0]}.{fields[1]}"
        return (
            f"component name is split by a comma: `{fields[0]},{fields[1]}`",
            f"write `{joined}`: a vendor entry is `<component>.<vendor>`",
        )
    if len(fields) != FIELDS:
        return (
            f"has {len(fields)} fields, SBAT lines have {FIELDS} ({_FORMAT})",
            "fix the commas so the line has exactly six fields",
        )
    component, generation = fields[0], fields[1]
    if not component:
        return "the component name is empty", "write the component name in the first field"
    if not (generation.isdigit() and int(generation) > 0) and not _PLACEHOLDER.fullmatch(
        generation
    ):
        return (
            f"generation `{generation}` is not a positive whole number",
            "write the generation number in the second field",
        )
    for vendor in vendors:
        if vendor in component.lower() and not _vendor_form(component, vendor):
            stem = re.sub(rf"[.,_-]*{re.escape(vendor)}[.,_-]*", "", component, flags=re.I)
            return (
                f"vendor component `{component}` is not in the `<component>.{vendor}` form",
                f"write `{stem or 'component'}.{vendor}`",
            )
    return None


def _vendor_form(component: str, vendor: str) -> bool:
    stem, dot, suffix = component.rpartition(".")
    return bool(dot) and suffix == vendor and bool(stem) and vendor not in stem.lower()


def check_sbat_malformed(given: HealthInput) -> Iterator[Finding]:
    vendors = vendor_words(given.rules)
    inherited = {line.text for line in sbat_lines(given.base)}
    for line in sbat_lines(given.downstream):
        if line.text in inherited:
            continue
        found = problem(line.text, vendors)
        if found is None:
            continue
        message, hint = found
        yield Finding(
            check=SBAT_MALFORMED,
            severity=Severity.ERROR,
            message=f"SBAT line {message}",
            file=line.path,
            line=line.number,
            hint=hint,
            subject=f"{line.path.rsplit('/', 1)[-1]}:{line.text}",
        )
