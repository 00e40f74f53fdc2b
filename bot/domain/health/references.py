"""Finds `%{SOURCEn}`/`%{PATCHn}` (and `%{S:n}`/`%{P:n}`) that name no Source or Patch tag."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.domain.distgit_model import DistGit
from bot.domain.health.lines import spec_lines
from bot.domain.health.model import Finding, HealthInput
from bot.domain.model import Severity

DANGLING_REFERENCE = "dangling-source-reference"

# `%{?SOURCE3}` is left out on purpose: it expands to nothing when the tag is missing
_REFERENCE = re.compile(
    r"%%?(?:\{(?P<long>SOURCE|PATCH)(?P<n1>\d+)\}|(?P<bare>SOURCE|PATCH)(?P<n2>\d+)(?![A-Za-z0-9_])"
    r"|\{(?P<short>[SP]):(?P<n3>\d+)\})"
)
_KINDS = {"SOURCE": "source", "PATCH": "patch", "S": "source", "P": "patch"}


@dataclass(frozen=True, slots=True)
class Reference:
    kind: str  # "source" or "patch"
    number: int
    text: str  # as written, e.g. "%{S:100}"
    path: str
    line: int


def references(git: DistGit, macros: Mapping[str, str]) -> Iterator[Reference]:
    """Numbered source and patch references on lines rpm reads (comments and %changelog aside)."""
    for line in spec_lines(git):
        if line.comment or not line.active(macros):
            continue
        for match in _REFERENCE.finditer(line.text):
            word = match.group("long") or match.group("bare") or match.group("short")
            number = match.group("n1") or match.group("n2") or match.group("n3")
            yield Reference(_KINDS[word], int(number), match.group(0), line.path, line.number)


def _declared(git: DistGit) -> set[tuple[str, int]]:
    return {(tag.kind, tag.number) for tag in git.spec.tags if not tag.commented}


def _dangling(git: DistGit, macros: Mapping[str, str]) -> dict[tuple[str, int], list[Reference]]:
    declared = _declared(git)
    found: dict[tuple[str, int], list[Reference]] = {}
    for reference in references(git, macros):
        key = (reference.kind, reference.number)
        if key not in declared:
            found.setdefault(key, []).append(reference)
    return found


def check_dangling_reference(given: HealthInput) -> Iterator[Finding]:
    """One finding per missing tag, at its first reference; the base's own are not reported."""
    macros = given.rules.macros
    inherited = _dangling(given.base, macros)
    base_tags = {(t.kind, t.number): t for t in given.base.spec.tags if not t.commented}
    for key, found in _dangling(given.downstream, macros).items():
        if key in inherited:
            continue
        kind, number = key
        tag = f"{kind.capitalize()}{number}"
        first = found[0]
        more = f" (and {len(found) - 1} more line{'s' if len(found) > 2 else ''})"
        was = base_tags.get(key)
        before = f"; the base declares it as {was.filename}" if was else ""
        yield Finding(
            check=DANGLING_REFERENCE,
            severity=Severity.ERROR,
            message=(
                f"{first.text} refers to {tag}, which the spec does not declare"
                f"{more if len(found) > 1 else ''}{before}"
            ),
            file=first.path,
            line=first.line,
            hint=f"declare {tag} again, or change the reference to the tag that replaced it",
            subject=f"%{{{kind.upper()}{number}}}",
        )
