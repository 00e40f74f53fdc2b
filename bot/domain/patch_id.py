"""Decides the content identity of a diff: exactly what `git patch-id --stable` prints.

The scanner below re-implements the line loop of git 2.39's `builtin/patch-id.c` on
bytes, quirks included, because ids are compared with ids git computed elsewhere:
whitespace (git's own set: space, tab, LF, CR) is dropped, hunk headers and `index`
lines are not hashed, every file is hashed on its own and the per-file SHA-1 digests
are summed as 160-bit little-endian numbers, so reordering files keeps the id. A binary
file contributes the two blob names of its `index` line instead of its data.
`hunks.py` extends the identity to bare `diff -u` output, files and hunks.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

ZERO_COMMIT = "0" * 40

#: git's isspace(): unlike C's, vertical tab and form feed are not whitespace.
GIT_SPACE = b" \t\n\r"
_OID_AT = re.compile(rb"[0-9a-fA-F]{40}")
_DIGITS_AT = re.compile(rb"[0-9]*")
# atoi(): C whitespace, a sign, digits; anything else reads as 0.
_ATOI_AT = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]+)")
_MOD = 1 << 160
_LONG_MAX = (1 << 63) - 1
# git keeps at most GIT_MAX_HEXSZ characters of each blob name it reads from `index`.
_MAX_HEX = 64


class LineTag(StrEnum):
    """What a recorded line was to the scanner."""

    HEADER = "header"
    HUNK_START = "hunk-start"
    HUNK = "hunk"
    BINARY = "binary"


@dataclass(frozen=True, slots=True)
class PatchIdResult:
    """One line of `git patch-id --stable` output."""

    patch_id: str
    #: The commit git names for the patch; all zeros when the input names none.
    commit: str


@dataclass(slots=True)
class _Patch:
    patchlen: int
    result: int
    next_commit: str


@dataclass(slots=True)
class _Scanner:
    """git's per-run state: the last `index` blob names outlive a patch, as in git."""

    lines: list[bytes]
    pos: int = 0
    pre_oid: bytes = b""
    post_oid: bytes = b""
    trace: list[tuple[LineTag, bytes]] | None = None


def split_lines(data: bytes) -> list[bytes]:
    """Lines as git's reader sees them: split after LF, each cut at its first NUL byte."""
    parts = data.split(b"\n")
    last = parts.pop()
    lines = [part + b"\n" for part in parts]
    if last:
        lines.append(last)
    if b"\0" in data:
        lines = [line.partition(b"\0")[0] for line in lines]
    return lines


def _atoi(line: bytes, pos: int) -> int:
    match = _ATOI_AT.match(line, pos)
    if match is None:
        return 0
    sign, digits = match.groups()
    digits = digits.lstrip(b"0") or b"0"
    # strtol saturates at the range of a C long, then atoi truncates to a 32-bit int.
    value = _LONG_MAX + 1 if len(digits) > 19 else int(digits)
    value = max(min(-value if sign == b"-" else value, _LONG_MAX), -_LONG_MAX - 1)
    return ((value + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def _digits(line: bytes, pos: int) -> int:
    match = _DIGITS_AT.match(line, pos)
    return match.end() - pos if match else 0


def scan_hunk_header(line: bytes, after: int) -> tuple[int, int]:
    """The (before, after) line counts git reads from `@@ -a,b +c,d @@`.

    A missing count means 1. A malformed header still sets `before`, as git's does, and
    leaves `after` as it was (the value passed in).
    """
    q = 4
    n = _digits(line, q)
    if line[q + n : q + n + 1] == b",":
        q += n + 1
        before = _atoi(line, q)
        n = _digits(line, q)
    else:
        before = 1
    if n == 0 or line[q + n : q + n + 2] != b" +":
        return before, after
    r = q + n + 2
    n = _digits(line, r)
    if line[r + n : r + n + 1] == b",":
        r += n + 1
        after = _atoi(line, r)
    else:
        after = 1
    return before, after


def _one_patch(sc: _Scanner) -> _Patch:
    """Hash one patch from sc.pos on; stops at the next commit line or the patch's end.

    One loop on purpose: it follows git's statement by statement, so the two can be
    read side by side. `before`/`after` count the old/new lines a hunk still owes:
    -1 means "in a file header", 0 and 0 "between hunks". Every summand is one SHA-1.
    """
    patchlen, before, after, binary, in_hunk = 0, -1, -1, False, False
    chunks: list[bytes] = []
    result = 0
    trace = sc.trace
    next_commit = ZERO_COMMIT

    def flush() -> None:
        nonlocal result, chunks
        digest = hashlib.sha1(b"".join(chunks), usedforsecurity=False).digest()
        result = (result + int.from_bytes(digest, "little")) % _MOD
        chunks = []

    lines = sc.lines
    while sc.pos < len(lines):
        line = lines[sc.pos]
        sc.pos += 1
        if line.startswith(b"commit "):
            start = 7
        elif line.startswith(b"From "):
            start = 5
        else:
            start = 0
            # "\ No newline at end of file" says nothing about content.
            if line.startswith(b"\\ ") and len(line) > 12:
                continue
        if _OID_AT.match(line, start):
            next_commit = line[start : start + 40].decode("ascii").lower()
            break
        if not patchlen and not line.startswith(b"diff "):
            continue  # the commit message before the first diff
        if before == -1:
            if line.startswith((b"GIT binary patch", b"Binary files")):
                binary, before = True, 0
                chunks += (sc.pre_oid, sc.post_oid)
                if trace is not None:
                    trace.append((LineTag.BINARY, sc.pre_oid + sc.post_oid))
                flush()
                continue
            if line.startswith(b"index "):
                dots = line.find(b"..")
                if dots >= 0:
                    end = line.find(b" ", dots)
                    end = len(line) - 1 if end < 0 else end
                    sc.pre_oid = line[6:dots][:_MAX_HEX]
                    sc.post_oid = line[dots + 2 : end][:_MAX_HEX]
                continue
            if line.startswith(b"--- "):
                before = after = 1
            elif not line[:1].isalpha():  # ASCII letters only, as git's isalpha()
                break
        if binary:
            # Skips the binary data; git does not hash the next file's diff line either.
            if line.startswith(b"diff "):
                binary, before = False, -1
                if trace is not None:
                    trace.append((LineTag.HEADER, line))
            continue
        if before == 0 and after == 0:
            if line.startswith(b"@@ -"):
                before, after = scan_hunk_header(line, after)
                in_hunk = True
                if trace is not None:
                    trace.append((LineTag.HUNK_START, line))
                continue
            if not line.startswith(b"diff "):
                break  # the patch ended (a signature, a miscounted hunk, junk)
            flush()
            before = after = -1
            in_hunk = False
        first = line[:1]
        if first in (b"-", b" "):
            before -= 1
        if first in (b"+", b" "):
            after -= 1
        stripped = line.translate(None, GIT_SPACE)
        patchlen += len(stripped)
        chunks.append(stripped)
        if trace is not None:
            trace.append((LineTag.HUNK if in_hunk else LineTag.HEADER, line))
    flush()
    return _Patch(patchlen, result, next_commit)


def scan(data: bytes, *, trace: list[tuple[LineTag, bytes]] | None = None) -> list[PatchIdResult]:
    """Every id git prints for `data`; appends to `trace` each line git hashed or parsed.

    A BINARY entry carries the blob names git hashed in place of the binary line.
    """
    sc = _Scanner(split_lines(bytes(data)), trace=trace)
    results = []
    commit = ZERO_COMMIT
    while sc.pos < len(sc.lines):
        patch = _one_patch(sc)
        if patch.patchlen:
            results.append(PatchIdResult(patch.result.to_bytes(20, "little").hex(), commit))
        commit = patch.next_commit
    return results


def patch_ids(data: bytes) -> list[PatchIdResult]:
    """What `git patch-id --stable` prints for `data`, one result per line, in order."""
    return scan(data)


def patch_id(data: bytes) -> str | None:
    """The first id `git patch-id --stable` prints for `data`, or None when it prints none."""
    results = scan(data)
    return results[0].patch_id if results else None
