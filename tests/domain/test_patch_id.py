"""Patch identity: equal to `git patch-id --stable` (run here as the oracle), and beyond it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.domain.hunks import (
    FileId,
    HunkId,
    bare_as_git,
    content_id,
    file_ids,
    hunk_ids,
    match_fraction,
)
from bot.domain.patch_id import PatchIdResult, patch_id, patch_ids, scan_hunk_header
from tests.domain.conftest import GitPatchIds

PATCHES = Path(__file__).resolve().parent.parent / "data" / "patches"
FIXTURES = sorted(path.name for path in PATCHES.glob("*.patch"))
ZERO = "0" * 40


def fixture(name: str) -> bytes:
    return (PATCHES / name).read_bytes()


def ours(data: bytes) -> list[tuple[str, str]]:
    return [(result.patch_id, result.commit) for result in patch_ids(data)]


def test_there_are_fixtures() -> None:
    assert len(FIXTURES) >= 25


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_gives_what_git_gives(name: str, git_patch_ids: GitPatchIds) -> None:
    data = fixture(name)
    assert ours(data) == git_patch_ids(data)
    expected = git_patch_ids(data)
    assert patch_id(data) == (expected[0][0] if expected else None)


@pytest.mark.parametrize("name", FIXTURES)
def test_every_truncation_gives_what_git_gives(name: str, git_patch_ids: GitPatchIds) -> None:
    data = fixture(name)
    cuts = sorted({len(data) * k // 9 for k in range(1, 9)} | {len(data) - 1, len(data) - 2})
    mismatches = [cut for cut in cuts if ours(data[:cut]) != git_patch_ids(data[:cut])]
    assert mismatches == []


@pytest.mark.corpus
def test_every_corpus_patch_gives_what_git_gives(corpus: Path, git_patch_ids: GitPatchIds) -> None:
    paths = sorted((corpus / "patches").glob("*.patch"))
    assert paths, "the corpus has no patches/"
    mismatches = [
        path.name for path in paths if ours(path.read_bytes()) != git_patch_ids(path.read_bytes())
    ]
    assert mismatches == []
    assert all(patch_id(p.read_bytes()) for p in paths)


EDGE_CASES = {
    "empty": b"",
    "only-text": b"Subject: nothing to see\n\nNo diff here.\n",
    "diff-line-only": b"diff --git a/x b/x\n",
    "diff-line-no-newline": b"diff --git a/x b/x",
    "hunk-without-header": b"diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n",
    "huge-counts": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n"
    b"@@ -1,99999999999999999999999 +1 @@\n-a\n",
    "count-wraps-at-32-bits": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n"
    b"@@ -1,4294967298 +1,4294967297 @@\n-a\n-b\n+c\njunk\ndiff --git a/y b/y\n",
    "count-saturates-at-64-bits": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n"
    b"@@ -1,18446744073709551618 +1 @@\n-a\n--- b\n+c\n",
    "negative-count-saturates": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n"
    b"@@ -1,-99999999999999999999 +1 @@\n-a\n+c\n",
    "count-leading-zeros": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n"
    b"@@ -1,0000000000000000000000002 +1 @@\n-a\n-b\n+c\njunk\ndiff --git a/y b/y\n",
    "negative-count": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,-2 +1 @@\n-a\n+b\n",
    "comma-space-count": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1, +1,2 @@\n-a\n+b\n+c\n",
    "index-dots-at-eof": b"diff --git a/x b/x\nindex ..",
    "binary-first-no-index": b"diff --git a/x b/x\nBinary files a/x and b/x differ\n",
    "binary-crlf-index": b"diff --git a/x b/x\r\nindex 1a..2b\r\nBinary files differ\r\n",
    "binary-then-text": b"diff --git a/x b/x\nindex 1..2 100644\nGIT binary patch\nliteral 1\n"
    b"Ic${}\n\ndiff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n",
    "vertical-tab-and-form-feed-are-hashed": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n"
    b"@@ -1 +1 @@\n-a\x0b\n+a\x0c\n",
    "no-newline-marker-short": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ x\n+b\n",
    "nul-at-line-start": b"diff --git a/x b/x\n\x00--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
    "high-byte-header-line": b"diff --git a/x b/x\n\xe9trange\n--- a/x\n+++ b/x\n",
    "commit-uppercase-hex": b"commit 0123456789ABCDEF0123456789ABCDEF01234567\n\n"
    b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
    "two-diffs-junk-between": b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
    b"junk\ndiff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-c\n+d\n",
    "random-bytes": bytes(range(256)) * 3,
    "random-bytes-os": os.urandom(512),
}


@pytest.mark.parametrize("data", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_odd_input_gives_what_git_gives_and_never_raises(
    data: bytes, git_patch_ids: GitPatchIds
) -> None:
    assert ours(data) == git_patch_ids(data)
    assert content_id(data) in {None, *(r.patch_id for r in patch_ids(bare_as_git(data)))} | {
        patch_id(data)
    }
    assert isinstance(file_ids(data), list)
    assert isinstance(hunk_ids(data), list)


SHAPES = [
    ("bare-diff-u.patch", []),
    ("bare-quilt-no-diff-lines.patch", []),
    ("format-patch-debrand.patch", ["65d90004839349a5a6c0e1739361441be1fd67de"]),
    ("git-diff-debrand.patch", [ZERO]),
    (
        "mbox-three-commits.patch",
        [
            "65d90004839349a5a6c0e1739361441be1fd67de",
            "5cc51c7099adef7f7885ba39d1abf888667d01dd",
            "c942d2839a5a240218bb3b732c425f23b1c59b6a",
        ],
    ),
    ("message-starts-with-commit-id.patch", ["0123456789abcdef0123456789abcdef01234567"]),
    ("odd-counts-short.patch", [ZERO, ZERO]),
    ("binary-index-carried-over.patch", [
        "5cc51c7099adef7f7885ba39d1abf888667d01dd", "fedcba9876543210fedcba9876543210fedcba98"
    ]),
]


@pytest.mark.parametrize(("name", "commits"), SHAPES, ids=[name for name, _ in SHAPES])
def test_one_result_per_patch_with_the_commit_git_names(name: str, commits: list[str]) -> None:
    results = patch_ids(fixture(name))
    assert [result.commit for result in results] == commits
    assert all(re.fullmatch("[0-9a-f]{40}", result.patch_id) for result in results)


def test_a_binary_patch_without_index_lines_reuses_the_last_blob_names(
    git_patch_ids: GitPatchIds,
) -> None:
    # git keeps the blob names of the last `index` line it read, even across patches.
    binary = b"diff --git a/logo.png b/logo.png\nBinary files a/logo.png and b/logo.png differ\n"
    with_index = binary.replace(b"\nBinary", b"\nindex 1111111..2222222 100644\nBinary")
    data = b"From %s Mon Sep 17 00:00:00 2001\n\n%s" % (b"1" * 40, with_index)
    data += b"From %s Mon Sep 17 00:00:00 2001\n\n%s" % (b"2" * 40, binary)
    first, second = patch_ids(data)
    assert first.patch_id == second.patch_id
    assert patch_id(binary) != first.patch_id
    assert ours(data) == git_patch_ids(data)


SAME_ID = [
    ("git-diff-debrand.patch", "format-patch-debrand.patch", "commit message ignored"),
    ("git-diff-debrand.patch", "git-show-stat.patch", "diffstat ignored"),
    ("git-diff-debrand.patch", "crlf-everywhere.patch", "CR is whitespace"),
    ("git-diff-debrand.patch", "quilt-no-index.patch", "index lines ignored"),
    ("git-diff-debrand.patch", "trailing-garbage.patch", "stops at the end of the patch"),
    ("git-diff-debrand.patch", "message-starts-with-commit-id.patch", "same diff"),
    ("format-patch-binary-no-data.patch", "git-diff-binary-files-differ.patch", "binary"),
]


def test_a_binary_id_depends_on_how_the_blob_names_are_abbreviated() -> None:
    # format-patch --binary writes full blob names, `git diff` abbreviated ones; git
    # hashes the names as written, so the ids differ.
    full = fixture("format-patch-binary.patch")
    assert b"index 094d846bce9994a7d5659b9dc946f94845cde9ed..7af36f7" in full
    assert patch_id(full) != patch_id(fixture("git-diff-binary-files-differ.patch"))


@pytest.mark.parametrize(("a", "b", "why"), SAME_ID, ids=[why for _, _, why in SAME_ID])
def test_same_change_same_id(a: str, b: str, why: str) -> None:
    assert patch_id(fixture(a)) == patch_id(fixture(b)), why


def _reindent(data: bytes) -> bytes:
    """Whitespace added inside every hunk line and hunk headers moved by 100 lines."""
    out = []
    for line in data.splitlines(keepends=True):
        if line.startswith((b"+", b"-", b" ")) and not line.startswith((b"+++", b"---")):
            line = line[:1] + b"\t " + line[1:].replace(b" ", b"  ")
        out.append(re.sub(rb"^@@ -(\d+)", lambda m: b"@@ -%d" % (int(m[1]) + 100), line))
    return b"".join(out)


def _reverse_files(data: bytes) -> bytes:
    parts = re.split(rb"(?m)^(?=diff --git )", data)
    return parts[0] + b"".join(reversed(parts[1:]))


TRANSFORMS = {"whitespace-and-line-numbers": _reindent, "file-order": _reverse_files}


@pytest.mark.parametrize("transform", TRANSFORMS.values(), ids=TRANSFORMS.keys())
def test_id_ignores(transform, git_patch_ids: GitPatchIds) -> None:
    data = fixture("git-diff-debrand.patch")
    changed = transform(data)
    assert changed != data
    assert patch_id(changed) == patch_id(data)
    assert ours(changed) == git_patch_ids(changed)


def test_a_changed_line_changes_the_id() -> None:
    data = fixture("git-diff-debrand.patch")
    assert patch_id(data.replace(b"+Release:        1%{?dist}.alma.1", b"+Release: 2")) != patch_id(
        data
    )


HUNK_HEADERS = [
    (b"@@ -1,13 +1,14 @@\n", (13, 14)),
    (b"@@ -1 +1 @@\n", (1, 1)),
    (b"@@ -0,0 +1,46 @@\n", (0, 46)),
    (b"@@ -5,2 +0,0 @@ func()\n", (2, 0)),
    (b"@@ -x +1 @@\n", (1, 0)),
    (b"@@ -1,-5 +1 @@\n", (-5, 0)),
    (b"@@ -1, +1,2 @@\n", (1, 0)),
    (b"@@ -1,99999999999 +1 @@\n", (1215752191, 1)),
    (b"@@ -1,4294967298 +1,-4294967297 @@\n", (2, -1)),
    (b"@@ -1,99999999999999999999 +1 @@\n", (-1, 1)),
    (b"@@ -1,-99999999999999999999 +1 @@\n", (0, 0)),
]


@pytest.mark.parametrize(
    ("line", "counts"), HUNK_HEADERS, ids=[h.decode().strip() for h, _ in HUNK_HEADERS]
)
def test_hunk_header_counts_as_git_reads_them(line: bytes, counts: tuple[int, int]) -> None:
    assert scan_hunk_header(line, 0) == counts


CONTENT_TWINS = [
    ("bare-diff-u.patch", "git-diff-twin-of-bare.patch", "diff -u of two trees, -p1 paths"),
    ("bare-quilt-no-diff-lines.patch", "git-diff-debrand.patch", "git diff without diff lines"),
]


@pytest.mark.parametrize(
    ("bare", "twin", "why"), CONTENT_TWINS, ids=[why for _, _, why in CONTENT_TWINS]
)
def test_bare_diff_has_the_content_id_of_its_git_twin(bare: str, twin: str, why: str) -> None:
    assert patch_id(fixture(bare)) is None
    assert content_id(fixture(bare)) == patch_id(fixture(twin)), why


_NEW_TXT = b"@@ -0,0 +1,2 @@\n+a\n+b\n"
INLINE_TWINS = {
    "diff -N new file, epoch timestamp": (
        b"--- foo-1.0.orig/new.txt\t1970-01-01 00:00:00.000000000 +0000\n"
        b"+++ foo-1.0/new.txt\t2024-05-06 12:00:00.000000000 +0000\n" + _NEW_TXT,
        b"diff --git a/new.txt b/new.txt\nnew file mode 100644\nindex 0000000..422c2b7\n"
        b"--- /dev/null\n+++ b/new.txt\n" + _NEW_TXT,
    ),
    "diff -N new file, epoch west of Greenwich": (
        b"--- foo-1.0.orig/new.txt\t1969-12-31 19:00:00.000000000 -0500\n"
        b"+++ foo-1.0/new.txt\t2024-05-06 12:00:00.000000000 -0500\n" + _NEW_TXT,
        b"diff --git a/new.txt b/new.txt\nnew file mode 100644\nindex 0000000..422c2b7\n"
        b"--- /dev/null\n+++ b/new.txt\n" + _NEW_TXT,
    ),
    "empty file filled in": (
        b"--- foo-1.0.orig/new.txt\t2024-05-01 12:00:00.000000000 +0000\n"
        b"+++ foo-1.0/new.txt\t2024-05-06 12:00:00.000000000 +0000\n" + _NEW_TXT,
        b"diff --git a/new.txt b/new.txt\nindex e69de29..422c2b7 100644\n"
        b"--- a/new.txt\n+++ b/new.txt\n" + _NEW_TXT,
    ),
    "deleted with /dev/null, CRLF": (
        b"--- a/old.txt\r\n+++ /dev/null\r\n@@ -1 +0,0 @@\r\n-gone\r\n",
        b"diff --git a/old.txt b/old.txt\ndeleted file mode 100644\nindex 1..0\n"
        b"--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n",
    ),
}


@pytest.mark.parametrize(("bare", "twin"), INLINE_TWINS.values(), ids=INLINE_TWINS.keys())
def test_bare_file_headers_are_written_as_git_would(bare: bytes, twin: bytes) -> None:
    assert patch_id(bare) is None
    assert content_id(bare) == patch_id(twin)


def test_bare_diff_survives_stripped_blank_context_and_bad_counts() -> None:
    bare = fixture("bare-quilt-no-diff-lines.patch")
    mangled = bare.replace(b"\n \n", b"\n\n").replace(b"@@ -1,13 +1,13 @@", b"@@ -1,20 +1,20 @@")
    assert mangled != bare
    assert content_id(mangled) == content_id(bare)


@pytest.mark.parametrize("name", FIXTURES)
def test_content_id_is_the_git_id_when_git_gives_one(name: str) -> None:
    data = fixture(name)
    if patch_id(data) is not None:
        assert content_id(data) == patch_id(data)
    else:
        assert content_id(data) is not None


@pytest.mark.parametrize("data", [b"", b"hello\n", b"--- a\n+++ b\n", os.urandom(64)])
def test_no_diff_no_content_id(data: bytes) -> None:
    assert content_id(data) is None


FILE_PATHS = [
    ("git-diff-debrand.patch", ["demo.spec", "dos.txt", "latin1.txt", "src/distro.py", "tail.txt"]),
    ("git-diff-u8-no-prefix.patch", ["demo.spec", "dos.txt", "latin1.txt", "src/distro.py",
                                     "tail.txt"]),
    ("format-patch-binary.patch", ["hello.sh", "logo.png", "new-name.txt", "src/distro.py",
                                   "tail.txt"]),
    ("format-patch-copy.patch", ["src/distro.py", "src/distro_copy.py"]),
    ("bare-diff-u.patch", ["demo.spec"]),
    ("quilt-diff-up.patch", ["demo-1.0/demo.spec"]),
    (
        "quoted-path",
        ["caf\u00e9 cr\u00e8me.txt"],
    ),
]


def _quoted_path_patch() -> bytes:
    return (
        b'diff --git "a/caf\\303\\251 cr\\303\\250me.txt" "b/caf\\303\\251 cr\\303\\250me.txt"\n'
        b"new file mode 100644\nindex 0000000..5716ca5\n--- /dev/null\n"
        b'+++ "b/caf\\303\\251 cr\\303\\250me.txt"\n@@ -0,0 +1 @@\n+bar\n'
    )


@pytest.mark.parametrize(("name", "paths"), FILE_PATHS, ids=[name for name, _ in FILE_PATHS])
def test_file_ids_name_each_file(name: str, paths: list[str]) -> None:
    data = _quoted_path_patch() if name == "quoted-path" else fixture(name)
    found = file_ids(data)
    assert [f.path for f in found] == paths
    assert all(isinstance(f, FileId) and re.fullmatch("[0-9a-f]{40}", f.id) for f in found)


def test_file_ids_add_up_to_the_patch_id_when_every_file_has_hunks() -> None:
    data = fixture("git-diff-debrand.patch")
    total = sum(int.from_bytes(bytes.fromhex(f.id), "little") for f in file_ids(data))
    assert (total % (1 << 160)).to_bytes(20, "little").hex() == patch_id(data)


def test_file_id_is_whitespace_and_line_number_blind_but_sees_the_path() -> None:
    data = fixture("git-diff-debrand.patch")
    assert file_ids(_reindent(data)) == file_ids(data)
    moved = data.replace(b"demo.spec", b"other.spec")
    assert file_ids(moved)[0].id != file_ids(data)[0].id
    assert file_ids(moved)[1:] == file_ids(data)[1:]


def test_hunk_ids_are_the_same_for_any_context_size() -> None:
    u3 = hunk_ids(fixture("git-diff-debrand.patch"))
    assert hunk_ids(fixture("git-diff-u0.patch")) == u3
    assert hunk_ids(fixture("git-diff-u8-no-prefix.patch")) == u3
    assert hunk_ids(fixture("bare-diff-u.patch")) == [h for h in u3 if h.path == "demo.spec"]


def test_hunk_ids_count_lines_and_number_runs_per_file() -> None:
    found = hunk_ids(fixture("format-patch-binary.patch"))
    assert [(h.path, h.index, h.added, h.removed) for h in found] == [
        ("hello.sh", 0, 2, 0),
        ("tail.txt", 0, 0, 1),
    ]
    spec = [h for h in hunk_ids(fixture("git-diff-debrand.patch")) if h.path == "demo.spec"]
    assert [h.index for h in spec] == [0, 1]
    assert spec[0].id != spec[1].id


def test_hunk_ids_ignore_path_and_whitespace() -> None:
    data = fixture("git-diff-debrand.patch")
    moved = data.replace(b"demo.spec", b"SPECS/demo.spec")
    assert [h.id for h in hunk_ids(moved)] == [h.id for h in hunk_ids(data)]
    assert [h.id for h in hunk_ids(_reindent(data))] == [h.id for h in hunk_ids(data)]


def _hunk(name: str) -> HunkId:
    return HunkId(path="f", index=0, id=name * 40, added=1, removed=0)


MATCHES = [
    ([_hunk("a"), _hunk("b")], [_hunk("b"), _hunk("a"), _hunk("c")], 1.0, "all found"),
    ([_hunk("a"), _hunk("b"), _hunk("c"), _hunk("d")], [_hunk("c")], 0.25, "one of four"),
    ([_hunk("a"), _hunk("a")], [_hunk("a")], 0.5, "each of b matches once"),
    ([_hunk("a")], [], 0.0, "nothing in b"),
    ([], [_hunk("a")], 0.0, "nothing in a"),
]


@pytest.mark.parametrize(("a", "b", "share", "why"), MATCHES, ids=[m[3] for m in MATCHES])
def test_match_fraction(a: list[HunkId], b: list[HunkId], share: float, why: str) -> None:
    assert match_fraction(a, b) == share, why


def test_a_split_patch_matches_in_parts() -> None:
    data = fixture("git-diff-debrand.patch")
    whole = hunk_ids(data)
    first_half = re.split(rb"(?m)^(?=diff --git a/latin1.txt)", data)[0]
    part = hunk_ids(first_half)
    assert match_fraction(part, whole) == 1.0
    assert match_fraction(whole, part) == pytest.approx(len(part) / len(whole))
    assert 0 < len(part) < len(whole)


def test_results_are_frozen_values() -> None:
    result = patch_ids(fixture("format-patch-debrand.patch"))[0]
    assert result == PatchIdResult(result.patch_id, "65d90004839349a5a6c0e1739361441be1fd67de")
    with pytest.raises(AttributeError):
        result.patch_id = "x"  # type: ignore[misc]
