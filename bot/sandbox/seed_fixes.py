"""The downstream fixes a seeded package can carry: what each edits, what it is called, and
the reworked variant a reviewer or a rebase would make of it (same fix, another patch id).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.sandbox.seed_diff import FileEdit
from bot.sandbox.seed_source import ARCHES_LINE, DISTRO_FILE, MAKEFILE, Function, Project


class FixKind(StrEnum):
    NULL_CHECK = "null-check"
    LEAK = "leak"
    OVERFLOW = "overflow"
    OFF_BY_ONE = "off-by-one"
    BACKPORT = "backport"
    ARCH = "arch"
    DISTRO = "distro"
    #: a build tweak only the downstream wants; its header says so
    INAPPROPRIATE = "inappropriate"


#: Fixes that edit a C module; the others each own one file.
CODE_FIXES = (
    FixKind.NULL_CHECK,
    FixKind.LEAK,
    FixKind.OVERFLOW,
    FixKind.OFF_BY_ONE,
    FixKind.BACKPORT,
)


@dataclass(frozen=True, slots=True)
class Fix:
    kind: FixKind
    subject: str
    body: str
    edits: tuple[FileEdit, ...]
    #: the same fix reworked (a comment added): what a rebase or a reviewer makes of it
    reworked: tuple[FileEdit, ...]
    #: the downstream patch file's name, `git format-patch` style
    file_name: str
    #: the name the base distribution gives its own copy
    base_name: str
    cve: str | None = None

    @property
    def upstreamable(self) -> bool:
        return self.kind is not FixKind.INAPPROPRIATE

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(edit.path for edit in self.edits)


def make_fix(kind: FixKind, project: Project, rng: random.Random, *, used: set[str]) -> Fix:
    """A fix of `kind` in a file no other fix of the package edits (`used` grows)."""
    if kind in CODE_FIXES:
        free = [m for m in project.modules if m not in used]
        if not free:
            raise ValueError(f"{project.name}: no C module left for another fix")
        module = rng.choice(free)
        function = rng.choice([f for f in project.functions if f.path == module])
        edit, subject, body, cve = _code_fix(kind, function, project, rng)
        comment = "    /* {} */"
    else:
        edit, subject, body = _file_fix(kind, project)
        cve = None
        comment = "# {}" if edit.path == MAKEFILE else "    /* {} */"
    if edit.path in used:
        raise ValueError(f"{project.name}: {edit.path} already carries a fix")
    used.add(edit.path)
    note = comment.format(f"{subject.split(' (')[0].lower()}, see the changelog")
    reworked = FileEdit(edit.path, edit.at, edit.removed, (note, *edit.added))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", subject).strip("-")[:52].rstrip("-")
    short = "-".join(subject.lower().split()[1:5])
    base_name = re.sub(r"[^a-z0-9.+-]+", "-", f"{project.name}-{short}").strip("-") + ".patch"
    return Fix(kind, subject, body, (edit,), (reworked,), f"0001-{slug}.patch", base_name, cve)


def _code_fix(
    kind: FixKind, fn: Function, project: Project, rng: random.Random
) -> tuple[FileEdit, str, str, str | None]:
    lines = project.files[fn.path].split("\n")
    match kind:
        case FixKind.NULL_CHECK:
            added = (f"    if ({fn.arg} == NULL)", "        return -EINVAL;")
            return (
                FileEdit(fn.path, fn.open_line + 1, 0, added),
                f"Fix crash in {fn.name} when {fn.arg} is NULL",
                f"{fn.name}() dereferenced {fn.arg} before checking it.",
                None,
            )
        case FixKind.LEAK:
            return (
                FileEdit(fn.path, fn.final_line, 0, ("    free(buf);",)),
                f"Fix memory leak in {fn.name}",
                "The copy of the name was never freed on the success path.",
                None,
            )
        case FixKind.OVERFLOW:
            cve = f"CVE-{rng.randrange(2022, 2026)}-{rng.randrange(10000, 60000)}"
            fixed = re.sub(r", (\d+)\);$", r", \1 - 1);", lines[fn.lookup_line])
            return (
                FileEdit(fn.path, fn.lookup_line, 1, (fixed,)),
                f"Fix buffer overflow in {fn.name} ({cve})",
                f"A name of exactly the limit's length overflowed the lookup buffer ({cve}).",
                cve,
            )
        case FixKind.OFF_BY_ONE:
            fixed = lines[fn.assign_line].replace(";", " - 1;")
            return (
                FileEdit(fn.path, fn.assign_line, 1, (fixed,)),
                f"Fix off-by-one error in {fn.name}",
                "The count included the terminating entry.",
                None,
            )
        case _:
            added = ("    if (rc == 0)", "        return -ENOENT;")
            return (
                FileEdit(fn.path, fn.return_rc_line + 1, 0, added),
                f"Backport upstream check for missing entries in {fn.name}",
                "A lookup that finds nothing must not update the count.",
                None,
            )


def _file_fix(kind: FixKind, project: Project) -> tuple[FileEdit, str, str]:
    makefile = project.files[MAKEFILE].split("\n")
    distro = project.files[DISTRO_FILE].split("\n")
    match kind:
        case FixKind.ARCH:
            new = ARCHES_LINE.replace("x86_64 ", "x86_64 x86_64_v2 ", 1)
            return (
                FileEdit(MAKEFILE, makefile.index(ARCHES_LINE), 1, (new,)),
                "Add support for versioned x86_64 arches",
                "Build for the x86_64_v2 micro-architecture level as well.",
            )
        case FixKind.DISTRO:
            return (
                FileEdit(DISTRO_FILE, distro.index('    "centos",') + 1, 0, ('    "almalinux",',)),
                "Add AlmaLinux OS detection",
                "Treat AlmaLinux like the other distributions of the family.",
            )
        case _:
            line = makefile.index("\t./tests/run-tests.sh")
            return (
                FileEdit(MAKEFILE, line, 1, ("\t./tests/run-tests.sh --offline",)),
                "Run the test suite without network access",
                "The build system has no network; upstream's CI has.",
            )
