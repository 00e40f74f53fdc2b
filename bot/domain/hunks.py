"""Decides the identity of changes git gives no id to, and of single files and hunks.

Same normalization as `git patch-id` (whitespace dropped, line numbers ignored):
`content_id` gives bare `diff -u` output the id its git-format twin would get;
`file_ids` and `hunk_ids` let a split or partly applied patch be matched piece by piece.
A "hunk" here is one run of changed lines, so the same change made with `-U0` and with
`-U3` (where git merges nearby runs into one hunk) yields the same hunk ids.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.patch_id import GIT_SPACE, LineTag, scan, scan_hunk_header, split_lines


@dataclass(frozen=True, slots=True)
class FileId:
    """One file of a patch: its path and git's per-file digest (includes the path)."""

    #: Empty when the input names no file (a diff line cut short).
    path: str
    id: str


@dataclass(frozen=True, slots=True)
class HunkId:
    """One run of changed lines; `id` depends on neither path, line numbers nor spaces."""

    path: str
    index: int
    id: str
    added: int
    removed: int


def content_id(data: bytes) -> str | None:
    """git's id where git gives one, else the same identity for bare `diff -u` content.

    Bare file sections get the header git would have written (see `bare_as_git`), so a
    bare diff and its git-format twin share this id. None only when there is no diff.
    """
    results = scan(data)
    if not results:
        results = scan(bare_as_git(data))
    return results[0].patch_id if results else None


_DEV_NULL = b"/dev/null"
#: git's extended header lines, kept when a bare diff still carries them.
_EXTENDED = (
    b"old mode ",
    b"new mode ",
    b"new file mode ",
    b"deleted file mode ",
    b"similarity index ",
    b"dissimilarity index ",
    b"rename from ",
    b"rename to ",
    b"copy from ",
    b"copy to ",
)


def _bare_path(line: bytes) -> bytes:
    """The path of a `---`/`+++` line, without diff's tab-separated timestamp."""
    return line[4:].split(b"\t", 1)[0].rstrip(b"\r\n")


def _strip_component(path: bytes) -> bytes:
    # Like `patch -p1`, which is how rpm applies these: `foo-1.0/src/x.c` is `src/x.c`.
    return path.split(b"/", 1)[1] if b"/" in path.lstrip(b"/") else path.lstrip(b"/")


def _starts_file(lines: list[bytes], i: int) -> bool:
    return (
        lines[i].startswith(b"--- ")
        and i + 2 < len(lines)
        and lines[i + 1].startswith(b"+++ ")
        and lines[i + 2].startswith(b"@@ -")
    )


def _read_hunks(lines: list[bytes], i: int) -> tuple[list[bytes], list[bytes], int]:
    """Hunks from lines[i], re-headed with the counts they really have.

    Returns them, their original headers, and the index of the line after them. Hunk
    headers are not hashed, so honest counts change no id; they keep a short or
    miscounted hunk from eating the next file (so does a `---`/`+++`/`@@` triple, read
    as the next file's header). A blank line in a hunk is context that lost its space.
    """
    out: list[bytes] = []
    headers: list[bytes] = []
    while i < len(lines) and lines[i].startswith(b"@@ -"):
        headers.append(lines[i])
        before, after = scan_hunk_header(lines[i], 0)
        body: list[bytes] = []
        i += 1
        while i < len(lines):
            line, first = lines[i], lines[i][:1]
            if line in (b"\n", b"\r\n"):
                line, first = b" " + line, b" "
            if _starts_file(lines, i):
                break
            if first == b"\\":
                body.append(line)
            elif first == b"-" and before > 0:
                before -= 1
                body.append(line)
            elif first == b"+" and after > 0:
                after -= 1
                body.append(line)
            elif first == b" " and before > 0 and after > 0:
                before, after = before - 1, after - 1
                body.append(line)
            else:
                break
            i += 1
        old = sum(1 for line in body if line[:1] in (b"-", b" "))
        new = sum(1 for line in body if line[:1] in (b"+", b" "))
        out.append(b"@@ -1,%d +1,%d @@\n" % (old, new))
        out += body
    return out, headers, i


def _absent(line: bytes, headers: list[bytes], empty_range: bytes) -> bool:
    """Whether a `---`/`+++` side is no file: /dev/null, or `diff -N`'s epoch timestamp."""
    if _bare_path(line) == _DEV_NULL:
        return True
    stamp = line.partition(b"\t")[2]
    # The epoch in local time: west of Greenwich it is still 1969.
    epoch = any(day in stamp for day in (b"1970-01-01", b"1969-12-31", b" 1970", b" 1969"))
    return epoch and len(headers) == 1 and empty_range in headers[0]


def _git_header(
    minus: bytes, plus: bytes, extended: list[bytes], headers: list[bytes]
) -> list[bytes]:
    old, new = _bare_path(minus), _bare_path(plus)
    created = _absent(minus, headers, b"@@ -0,0 ")
    deleted = _absent(plus, headers, b" +0,0 @@")
    path = _strip_component(old if deleted else new)
    names = {b"from": path, b"to": path}
    for line in extended:
        kind, _, name = line.partition(b" ")[2].partition(b" ")
        if line.startswith((b"rename ", b"copy ")) and kind in names:
            names[kind] = name.rstrip(b"\r\n")
    mode = [b"new file mode 100644\n"] if created else []
    mode += [b"deleted file mode 100644\n"] if deleted else []
    return [
        b"diff --git a/%s b/%s\n" % (names[b"from"], names[b"to"]),
        *(extended or mode),
        b"--- /dev/null\n" if created else b"--- a/%s\n" % names[b"from"],
        b"+++ /dev/null\n" if deleted else b"+++ b/%s\n" % names[b"to"],
    ]


def bare_as_git(data: bytes) -> bytes:
    """Bare unified-diff file sections of `data`, each under the header git would write.

    Paths lose their first component (`-p1`); a created or deleted file (`/dev/null`, or
    `diff -N`'s 1970 timestamp) gets mode 100644 unless the input still carries git's
    own mode lines. Text between files is dropped.
    """
    lines = split_lines(bytes(data))
    out: list[bytes] = []
    extended: list[bytes] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _starts_file(lines, i):
            hunks, headers, end = _read_hunks(lines, i + 2)
            out += _git_header(line, lines[i + 1], extended, headers)
            out += hunks
            extended, i = [], end
            continue
        if line.startswith(_EXTENDED):
            extended.append(line)
        i += 1
    return b"".join(out)


Trace = list[tuple[LineTag, bytes]]


def _file_sections(data: bytes) -> list[Trace]:
    """What git read of `data` (or of its bare sections), cut at each file's diff line."""
    trace: Trace = []
    if not scan(data, trace=trace):
        trace = []
        scan(bare_as_git(data), trace=trace)
    sections: list[Trace] = []
    for tag, line in trace:
        if not sections or (tag is LineTag.HEADER and line.startswith(b"diff ")):
            sections.append([])
        sections[-1].append((tag, line))
    return sections


def _unquote(path: bytes) -> bytes:
    """git's C-style quoting of unusual paths (`"b/\\303\\244.txt"`), undone."""
    if len(path) < 2 or not (path.startswith(b'"') and path.endswith(b'"')):
        return path
    out, i, inner = bytearray(), 0, path[1:-1]
    escapes = {ord(k): v for k, v in zip("abtnvfr", b"\a\b\t\n\v\f\r", strict=True)}
    while i < len(inner):
        char = inner[i]
        if char == 0x5C and i + 1 < len(inner):
            octal = inner[i + 1 : i + 4]
            if len(octal) == 3 and all(0x30 <= c <= 0x37 for c in octal):
                out.append(int(octal, 8) & 0xFF)
                i += 4
                continue
            out.append(escapes.get(inner[i + 1], inner[i + 1]))
            i += 2
            continue
        out.append(char)
        i += 1
    return bytes(out)


def _drop_prefix(path: bytes, prefix: bytes) -> bytes:
    path = _unquote(path)
    return path[len(prefix) :] if path.startswith(prefix) else path


def _diff_line_path(line: bytes) -> bytes:
    rest = line.rstrip(b"\r\n").partition(b" ")[2]
    if rest.startswith(b"--git "):
        rest = rest[6:]
        if rest.startswith(b"a/") and b" b/" in rest:
            return rest[rest.rindex(b" b/") + 3 :]
        half = len(rest) // 2
        if len(rest) % 2 and rest[:half] == rest[half + 1 :]:
            return rest[:half]
    return _drop_prefix(rest.rsplit(b" ", 1)[-1], b"b/")


def _section_path(section: Trace) -> str:
    """The file a section is about: its new name, else its old one, else the diff line's."""
    plus = minus = moved = b""
    for tag, line in section:
        if tag is not LineTag.HEADER:
            break
        if line.startswith(b"+++ ") and _bare_path(line) != _DEV_NULL:
            plus = _drop_prefix(_bare_path(line), b"b/")
        elif line.startswith(b"--- ") and _bare_path(line) != _DEV_NULL:
            minus = _drop_prefix(_bare_path(line), b"a/")
        elif line.startswith((b"rename to ", b"copy to ")):
            moved = _unquote(line.rstrip(b"\r\n").partition(b" to ")[2])
    path = plus or moved or minus or _diff_line_path(section[0][1])
    return path.decode("utf-8", "backslashreplace")


def _digest(lines: list[bytes]) -> str:
    return hashlib.sha1(b"".join(lines), usedforsecurity=False).hexdigest()


def file_ids(data: bytes) -> list[FileId]:
    """Each file of each patch in `data`, with the SHA-1 of what git hashes for it.

    For a file with hunks that is git's own summand of the patch id. git folds a file
    without hunks (pure rename, mode change) into the next file's summand; here it
    keeps its own digest, and a binary file hashes its blob names as git does.
    """
    found = []
    for section in _file_sections(data):
        hashed = [
            line if tag is LineTag.BINARY else line.translate(None, GIT_SPACE)
            for tag, line in section
            if tag is not LineTag.HUNK_START
        ]
        found.append(FileId(_section_path(section), _digest(hashed)))
    return found


def _runs(section: Trace) -> list[list[bytes]]:
    runs: list[list[bytes]] = [[]]
    for tag, line in section:
        if tag is LineTag.HUNK and line[:1] in (b"+", b"-"):
            runs[-1].append(line)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def hunk_ids(data: bytes) -> list[HunkId]:
    """Every run of changed lines in `data`, numbered from 0 within its file."""
    found = []
    for section in _file_sections(data):
        path = _section_path(section)
        for index, run in enumerate(_runs(section)):
            digest = _digest([line.translate(None, GIT_SPACE) for line in run])
            added = sum(1 for line in run if line[:1] == b"+")
            found.append(HunkId(path, index, digest, added, len(run) - added))
    return found


def match_fraction(a_hunks: Sequence[HunkId], b_hunks: Sequence[HunkId]) -> float:
    """The share of a's hunks found in b, each of b's hunks matching at most once.

    0.0 when a has no hunks: an empty change proves nothing about b.
    """
    if not a_hunks:
        return 0.0
    available = Counter(hunk.id for hunk in b_hunks)
    found = 0
    for hunk in a_hunks:
        if available[hunk.id] > 0:
            available[hunk.id] -= 1
            found += 1
    return found / len(a_hunks)
