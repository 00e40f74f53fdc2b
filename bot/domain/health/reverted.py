"""Finds downstream edits that undo what the base changed since the previous import.

autopatch re-applies a config to every new import; a `replace` written against the old
base can silently put back what the new base just changed. Three forms are looked for:
a patch the base started applying that the downstream no longer declares; a spec (or
included file) hunk whose lines the downstream takes out again; and a downstream patch
with a hunk that is the exact inverse of a hunk of a patch the base added.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.domain.distgit_model import DistGit
from bot.domain.health.applied import active_patches, applied_patches
from bot.domain.health.model import Finding, HealthInput
from bot.domain.hunks import bare_as_git
from bot.domain.model import Severity
from bot.domain.patch_id import GIT_SPACE, LineTag, scan
from bot.domain.text import byte_lines_of, lines_of

UPSTREAM_FIX_REVERTED = "upstream-fix-reverted"
NEEDS_PREVIOUS_BASE = (
    f"{UPSTREAM_FIX_REVERTED} did not run: it needs the previous base (--previous-base)"
)
_HINT = (
    "keep the base's change (adjust the downstream edit to the new base), or suppress "
    "this check for the package with the reason the revert is intended"
)
#: lines too common to tell one change from another
_FRAMING = frozenset({"", "%endif", "%else", "fi", "done", "esac", "}", "{", "popd", "\\"})
_MAX_TEXT = 2_000_000
_PATCH_TAG = re.compile(r"^patch\d*:", re.I)


@dataclass(frozen=True, slots=True)
class _Hunk:
    removed: tuple[str, ...]
    added: tuple[str, ...]
    #: where the hunk starts in the older and the newer text (1-based)
    old_line: int
    line: int


def check_upstream_fix_reverted(given: HealthInput) -> Iterator[Finding]:
    previous = given.previous_base
    if previous is None:
        return
    seen: set[tuple[str, int | None]] = set()
    for finding in (
        *_dropped_patches(previous, given),
        *_reverted_text(previous, given),
        *_inverse_patches(previous, given),
    ):
        if (finding.file, finding.line) not in seen:
            seen.add((finding.file, finding.line))
            yield finding


def _dropped_patches(previous: DistGit, given: HealthInput) -> Iterator[Finding]:
    macros = given.rules.macros
    before = {tag.filename for tag in active_patches(previous, macros)}
    now = {tag.filename for tag in active_patches(given.downstream, macros)}
    applied = applied_patches(given.base, macros)
    for tag in applied.declared:
        if tag.filename in before or tag.filename in now or tag.filename not in applied.how:
            continue
        path, line = _aligned(given.base, given.downstream, tag.file, tag.line)
        yield Finding(
            check=UPSTREAM_FIX_REVERTED,
            severity=Severity.WARNING,
            message=(
                f"the base added Patch{tag.number} ({tag.filename}) since the previous import; "
                "the downstream no longer declares it"
            ),
            file=path,
            line=line,
            hint=_HINT,
            subject=tag.filename,
        )


def _reverted_text(previous: DistGit, given: HealthInput) -> Iterator[Finding]:
    base, downstream = given.base, given.downstream
    for name in _text_files(previous, base, downstream):
        old, new, down = (_lines(git, name) for git in (previous, base, downstream))
        ours = _hunks(new, down)
        for change in _hunks(old, new):
            gone = _substantive(change.added)
            back = _substantive(change.removed)
            if not gone and not back:
                continue
            for hunk in ours:
                if gone <= set(hunk.removed) and back <= set(hunk.added):
                    yield Finding(
                        check=UPSTREAM_FIX_REVERTED,
                        severity=Severity.WARNING,
                        message=(
                            "the downstream undoes a change the base made since the previous "
                            f"import: {_shown(previous, base, name, change)}"
                        ),
                        file=_path(downstream, name),
                        line=min(hunk.line, max(len(down), 1)),
                        hint=_HINT,
                        subject=f"{name}:{'|'.join(sorted(gone))}>{'|'.join(sorted(back))}",
                    )
                    break


def _inverse_patches(previous: DistGit, given: HealthInput) -> Iterator[Finding]:
    macros = given.rules.macros
    base_runs: dict[tuple[tuple[bytes, ...], tuple[bytes, ...]], str] = {}
    for name in applied_patches(given.base, macros).how:
        data = given.base.files.get(name)
        if data is None:
            continue
        old = set(_runs(previous.files.get(name, b"")))
        for run in _runs(data):
            if run not in old:
                base_runs.setdefault(run, name)
    if not base_runs:
        return
    for name in applied_patches(given.downstream, macros).how:
        data = given.downstream.files.get(name)
        if data is None or given.base.files.get(name) == data:
            continue
        for removed, added in _runs(data):
            undone = base_runs.get((added, removed))
            if undone is None:
                continue
            yield Finding(
                check=UPSTREAM_FIX_REVERTED,
                severity=Severity.WARNING,
                message=f"{name} reverts a hunk of {undone}, which the base added since the "
                "previous import",
                file=_path(given.downstream, name),
                line=_line_of_run(data, removed, added),
                hint=_HINT,
                subject=f"{name}>{undone}",
            )
            break


def _text_files(previous: DistGit, base: DistGit, downstream: DistGit) -> list[str]:
    """The spec, then text files all three trees have (`grub.patches`, `sbat.csv.in`, ...)."""
    names = [""]
    for name in sorted(base.files):
        data = base.files[name]
        if (
            name in previous.files
            and name in downstream.files
            and len(data) < _MAX_TEXT
            and b"\0" not in data
            and not name.endswith((".patch", ".diff"))
        ):
            names.append(name)
    return names


def _lines(git: DistGit, name: str) -> list[str]:
    """Normalized lines (spaces dropped); the spec stops before %changelog, Release is left out."""
    if not name:
        spec = git.spec
        end = (spec.changelog_line or len(spec.lines) + 1) - 1
        raw: Sequence[str] = spec.lines[:end]
    else:
        raw = lines_of(git.files[name].decode("utf-8", "replace"))
    lines = ["".join(line.split()) for line in raw]
    return ["" if line.lower().startswith("release:") else line for line in lines]


def _hunks(old: list[str], new: list[str]) -> list[_Hunk]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [
        _Hunk(tuple(old[i1:i2]), tuple(new[j1:j2]), i1 + 1, j1 + 1)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _shown(previous: DistGit, base: DistGit, name: str, change: _Hunk) -> str:
    """The base's change in words: the line it added (or, for a removal, the one it took out)."""
    if change.added:
        text = _raw(base, name)[change.line - 1].strip()
        return f"the base wrote `{text}` at line {change.line}"
    text = _raw(previous, name)[change.old_line - 1].strip()
    return f"the base took out `{text}`"


def _substantive(lines: tuple[str, ...]) -> set[str]:
    """Lines that tell a change apart; Patch tags are left to the dropped-patch form."""
    return {
        line
        for line in lines
        if line not in _FRAMING and not line.startswith("#") and not _PATCH_TAG.match(line)
    }


def _runs(data: bytes) -> list[tuple[tuple[bytes, ...], tuple[bytes, ...]]]:
    """Each run of changed lines in a patch as (removed, added), spaces dropped."""
    trace: list[tuple[LineTag, bytes]] = []
    scan(bare_as_git(data), trace=trace)
    runs: list[tuple[tuple[bytes, ...], tuple[bytes, ...]]] = []
    removed: list[bytes] = []
    added: list[bytes] = []
    for tag, line in (*trace, (LineTag.HEADER, b"")):
        if tag is LineTag.HUNK and line[:1] in (b"+", b"-"):
            (added if line[:1] == b"+" else removed).append(line[1:].translate(None, GIT_SPACE))
            continue
        if removed or added:
            runs.append((tuple(removed), tuple(added)))
            removed, added = [], []
    return runs


def _line_of_run(data: bytes, removed: tuple[bytes, ...], added: tuple[bytes, ...]) -> int | None:
    """The line of a patch file where a run of changed lines starts."""
    sign, first = (b"-", removed[0]) if removed else (b"+", added[0])
    for number, line in enumerate(byte_lines_of(data), start=1):
        if line[:1] == sign and line[1:].translate(None, GIT_SPACE) == first:
            return number
    return None


def _path(git: DistGit, name: str) -> str:
    return git.spec_path if not name else git.paths.get(name, name)


def _aligned(base: DistGit, downstream: DistGit, file: str, line: int) -> tuple[str, int]:
    """Where a line of the base sits in the downstream (the spot it was taken out at)."""
    name = "" if file == base.spec.path else file
    if name and name not in downstream.files:
        return downstream.spec_path, 1
    old = _raw(base, name)
    new = _raw(downstream, name)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i1 <= line - 1 < i2:
            offset = min(line - 1 - i1, max(j2 - j1 - 1, 0))
            return _path(downstream, name), min(j1 + offset, max(len(new) - 1, 0)) + 1
    return _path(downstream, name), max(len(new), 1)


def _raw(git: DistGit, name: str) -> list[str]:
    if not name:
        return list(git.spec.lines)
    return lines_of(git.files[name].decode("utf-8", "replace"))
