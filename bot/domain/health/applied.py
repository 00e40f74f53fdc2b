"""Decides which declared patches a spec applies, under the distribution's `%if` guards.

Every way rpm specs apply patches counts: `%patch N`/`%patchN`/`%patch -P N`, `%autosetup`
(all unless `-N`), `%autopatch` (all, `-m`/`-M` ranges, explicit numbers), `ApplyPatch`,
`%{patches}` (`git am %{patches}`), and a patch file read by name (`git apply %{PATCH3}`,
`%{_sourcedir}/x.patch`). A guard that cannot be evaluated counts as true: a check must
not report a patch as dropped on a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.distgit_model import DistGit
from bot.domain.health.lines import names_read_by_path, spec_lines
from bot.domain.spec_conditions import branch_truth
from bot.domain.spec_model import Application, Tag

_ALL_PATCHES = re.compile(r"%%?\{patches\}")
#: `%{PATCH3}`, `%PATCH3`, `%{P:3}`: the file of patch 3, read by some command
_PATCH_REFERENCE = re.compile(r"%\{PATCH(\d+)\}|%PATCH(\d+)\b|%\{P:(\d+)\}")


@dataclass(frozen=True, slots=True)
class Applied:
    """The active patch tags of a spec and, for each applied file name, how it is applied."""

    declared: tuple[Tag, ...]
    how: Mapping[str, str]


def active_patches(git: DistGit, macros: Mapping[str, str]) -> tuple[Tag, ...]:
    """Uncommented patch tags whose guards are not known to be false, first of each name."""
    seen: set[str] = set()
    found = []
    for tag in git.spec.patches():
        if branch_truth(tag.conditions, macros) is False or tag.filename in seen:
            continue
        seen.add(tag.filename)
        found.append(tag)
    return tuple(found)


def applied_patches(git: DistGit, macros: Mapping[str, str]) -> Applied:
    declared = active_patches(git, macros)
    by_number: dict[int, list[str]] = {}
    for tag in git.spec.patches():
        if branch_truth(tag.conditions, macros) is not False:
            by_number.setdefault(tag.number, []).append(tag.filename)
    names = {tag.filename for tag in declared}
    how: dict[str, str] = {}

    def mark(files: list[str] | set[str], why: str) -> None:
        for name in files:
            how.setdefault(name, why)

    for application in git.spec.applications:
        if branch_truth(application.conditions, macros) is False:
            continue
        mark(_files_of(application, by_number, names, git), application.text)
    for line in spec_lines(git):
        if line.comment or not line.active(macros):
            continue
        if _ALL_PATCHES.search(line.text):
            mark(names, line.text.strip())
        for match in _PATCH_REFERENCE.finditer(line.text):
            number = int(next(group for group in match.groups() if group))
            mark(by_number.get(number, []), line.text.strip())
        mark(set(names_read_by_path(git, line.text)), line.text.strip())
    return Applied(declared=declared, how={k: v for k, v in how.items() if k in names})


def _files_of(
    application: Application, by_number: Mapping[int, list[str]], names: set[str], git: DistGit
) -> set[str]:
    if application.applies_all:
        return set(names)
    files: set[str] = set()
    if application.range is not None:
        low, high = application.range
        for number, tagged in by_number.items():
            if (low is None or number >= low) and (high is None or number <= high):
                files.update(tagged)
    for number in application.numbers:
        files.update(by_number.get(number, []))
    for name in application.names:
        files.add(git.spec.macros.expand(name).rsplit("/", 1)[-1])
    return files
