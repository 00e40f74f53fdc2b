"""Property tests: patches made by real git from random histories get git's own ids.

Each example writes a random history into one shared scratch repository with a single
`git fast-import`, renders it with `git format-patch`/`diff`/`show`/`log -p` and random
options, maybe mangles the bytes, and asks `git patch-id --stable` about the same bytes.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.hunks import bare_as_git, content_id, file_ids, hunk_ids
from bot.domain.patch_id import patch_id, patch_ids
from tests.domain.conftest import GitPatchIds

Tree = dict[str, tuple[str, bytes]]

PATHS = [
    "README", "src/main.c", "src/util.py", "docs/guide.txt", "my notes.txt", "café.txt",
    "deep/a/b/c.cfg", "demo.spec", "data/logo.png",
]
WORDS = [b"foo", b"bar()", b"%{?dist}", b"if", b"{", b"}", b"return 0;", b"Release:", b"x"]
ODD_BYTES = [b"\xe9", b"\xff\xfe", b"\x80abc", b"\xc3\xa9", b"\t", b"  ", b"\r"]


@dataclass(frozen=True, slots=True)
class History:
    """A base tree, the trees of the commits on top of it, and their messages."""

    trees: list[Tree]
    messages: list[bytes]


class Repo:
    """One scratch repository; every example gets its own branch, written in one go."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.names = itertools.count()
        self.env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        self.git("init", "-q")

    def git(self, *args: str, data: bytes | None = None) -> bytes:
        return subprocess.run(
            ["git", "-c", "core.quotePath=true", *args],
            input=data, capture_output=True, check=True, cwd=self.path, env=self.env,
        ).stdout

    def write(self, history: History) -> str:
        ref = f"refs/heads/example{next(self.names)}"
        stream = []
        for n, (tree, message) in enumerate(zip(history.trees, history.messages, strict=True)):
            stamp = b"A U Thor <author@example.org> %d +0000" % (1715000000 + n)
            stream += [b"commit %s\nauthor %s\ncommitter %s\n" % (ref.encode(), stamp, stamp)]
            stream += [b"data %d\n%s\ndeleteall\n" % (len(message), message)]
            for path, (mode, content) in sorted(tree.items()):
                stream += [b"M %s inline %s\ndata %d\n%s\n" % (
                    mode.encode(), path.encode(), len(content), content)]
        self.git("fast-import", "--quiet", data=b"".join(stream))
        return ref


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repo]:
    yield Repo(tmp_path_factory.mktemp("patch-id-property"))


lines = st.lists(
    st.sampled_from(WORDS + ODD_BYTES + [b" "]), min_size=0, max_size=6
).map(b" ".join)
text_files = st.tuples(
    st.lists(lines, min_size=0, max_size=12),
    st.sampled_from([b"\n", b"\n", b"\r\n"]),
    st.booleans(),
).map(lambda t: t[1].join(t[0]) + (t[1] if t[2] and t[0] else b""))
binary_files = st.binary(min_size=1, max_size=40).map(lambda b: b"\x00" + b)


@st.composite
def edited(draw: st.DrawFn, content: bytes) -> bytes:
    """The content with a few lines inserted, deleted, replaced or re-spaced."""
    if b"\x00" in content:
        return draw(binary_files)
    rows = content.split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(rows)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "respace"]))
        if kind == "insert":
            rows.insert(at, draw(lines))
        elif at < len(rows) and kind == "delete":
            del rows[at]
        elif at < len(rows) and kind == "replace":
            rows[at] = draw(lines)
        elif at < len(rows):
            rows[at] = rows[at].replace(b" ", b"  ") + b" "
    return b"\n".join(rows)


@st.composite
def commit(draw: st.DrawFn, tree: Tree, *, text_only: bool) -> Tree:
    """A tree after one random commit: edits, additions, deletions, renames, chmods."""
    tree = dict(tree)
    kinds = ["modify", "modify", "add", "delete"] + ([] if text_only else ["rename", "chmod"])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(kinds))
        free = [p for p in PATHS if p not in tree and not any(q.startswith(p + "/") for q in tree)]
        if kind == "add" or not tree:
            if free:
                binary = not text_only and draw(st.booleans()) and draw(st.booleans())
                tree[draw(st.sampled_from(free))] = (
                    "100644", draw(binary_files if binary else text_files))
            continue
        path = draw(st.sampled_from(sorted(tree)))
        mode, content = tree[path]
        if kind == "modify":
            tree[path] = (mode, draw(edited(content)))
        elif kind == "delete":
            del tree[path]
        elif kind == "chmod":
            tree[path] = ("100755" if mode == "100644" else "100644", content)
        elif free:
            del tree[path]
            keep = draw(st.booleans())
            tree[draw(st.sampled_from(free))] = (mode, content if keep else draw(edited(content)))
    return tree


messages = st.lists(
    st.sampled_from([
        b"Fix the build", b"", b"Signed-off-by: A U Thor <author@example.org>",
        b"diff of a kind", b"0123456789abcdef0123456789abcdef01234567 is related",
        b"Resolves: RHEL-1234", b"--- not a header",
    ]),
    min_size=1, max_size=4,
).map(lambda rows: b"Subject line\n\n" + b"\n".join(rows) + b"\n")


@st.composite
def histories(draw: st.DrawFn, *, text_only: bool = False) -> History:
    base: Tree = {}
    for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=5, unique=True)):
        if not any(p != path and (p.startswith(path + "/") or path.startswith(p + "/"))
                   for p in base):
            binary = not text_only and path.endswith(".png")
            base[path] = ("100644", draw(binary_files if binary else text_files))
    trees = [base]
    for _ in range(draw(st.integers(1, 3))):
        trees.append(draw(commit(trees[-1], text_only=text_only)))
    return History(trees, [draw(messages) for _ in trees])


RENDERERS: dict[str, Callable[[str, int, list[str]], list[str]]] = {
    "format-patch": lambda ref, k, o: ["format-patch", "--stdout", *o, f"{ref}~{k}..{ref}"],
    "diff": lambda ref, k, o: ["diff", *o, f"{ref}~{k}", ref],
    "show": lambda ref, k, o: ["show", *o, ref],
    "log-p": lambda ref, k, o: ["log", "-p", *o, f"{ref}~{k}..{ref}"],
}
OPTIONS = ["-U0", "-U1", "-U5", "--no-prefix", "--stat", "-M", "-C", "--no-renames",
           "--binary", "--full-index"]


def _keep(data: bytes, unwanted: tuple[bytes, ...]) -> bytes:
    return b"".join(line for line in data.splitlines(keepends=True)
                    if not line.startswith(unwanted))


MUTATIONS: dict[str, Callable[[bytes, bytes, float], bytes]] = {
    "none": lambda data, junk, cut: data,
    "strip-diff-lines": lambda data, junk, cut: _keep(data, (b"diff ",)),
    "strip-index-lines": lambda data, junk, cut: _keep(data, (b"index ",)),
    "trailing-garbage": lambda data, junk, cut: data + junk,
    "leading-text": lambda data, junk, cut: junk + b"\n" + data,
    "crlf": lambda data, junk, cut: data.replace(b"\n", b"\r\n"),
    "truncate": lambda data, junk, cut: data[: int(len(data) * cut)],
}
junk = st.lists(
    st.sampled_from([b"-- \n", b"2.39.5\n", b"+x\n", b"@@ -1 +1 @@\n", b"diff --git a/q b/q\n",
                     b"--- a/q\n", b"+++ b/q\n", b" ctx\n", b"\\ No newline at end of file\n",
                     b"index 1234567..89abcde 100644\n", b"Binary files a/q and b/q differ\n",
                     b"\xff\xfe junk\n", b"\n"]),
    max_size=8,
).map(b"".join)


@settings(max_examples=520, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    history=histories(),
    renderer=st.sampled_from(sorted(RENDERERS)),
    options=st.lists(st.sampled_from(OPTIONS), max_size=3, unique=True),
    mutation=st.sampled_from(sorted(MUTATIONS)),
    garbage=junk,
    cut=st.floats(0.0, 1.0),
)
def test_generated_patches_get_the_id_git_gives(
    repo: Repo, git_patch_ids: GitPatchIds, history: History, renderer: str,
    options: list[str], mutation: str, garbage: bytes, cut: float,
) -> None:
    ref = repo.write(history)
    if renderer != "format-patch" and "--stat" in options:
        options = [*options, "-p"]
    data = repo.git(*RENDERERS[renderer](ref, len(history.trees) - 1, options))
    data = MUTATIONS[mutation](data, garbage, cut)
    expected = git_patch_ids(data)
    assert [(r.patch_id, r.commit) for r in patch_ids(data)] == expected
    assert patch_id(data) == (expected[0][0] if expected else None)
    assert content_id(data) == (expected[0][0] if expected else content_id(bare_as_git(data)))
    assert all(re.fullmatch("[0-9a-f]{40}", f.id) for f in file_ids(data))
    assert all(h.added + h.removed > 0 for h in hunk_ids(data))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(text_only=True), context=st.sampled_from(["-U0", "-U2", "-U7"]))
def test_bare_twin_and_context_size_keep_content_and_hunk_ids(
    repo: Repo, history: History, context: str
) -> None:
    ref = repo.write(history)
    k = len(history.trees) - 1
    diff = repo.git("diff", "--no-renames", context, f"{ref}~{k}", ref)
    usual = repo.git("diff", "--no-renames", f"{ref}~{k}", ref)
    assert [h.id for h in hunk_ids(diff)] == [h.id for h in hunk_ids(usual)]
    # A bare diff cannot say anything about a file without hunks (an emptied file).
    every_file_has_hunks = all(b"\n@@ -" in part for part in re.split(rb"(?m)^diff ", diff)[1:])
    ascii_only = all(path.isascii() for tree in history.trees for path in tree)
    if ascii_only and diff and every_file_has_hunks:
        assert content_id(_keep(diff, (b"diff ", b"index "))) == patch_id(diff)


line_kinds = st.sampled_from([
    b"diff --git a/x b/x", b"diff -up a/y b/y", b"--- a/x", b"+++ b/x", b"--- /dev/null",
    b"@@ -1,2 +1,2 @@", b"@@ -1 +1 @@", b"@@ -0,0 +1 @@", b"@@ -1,3 +1 @@ ctx", b"@@ -x",
    b"-a", b"+b", b" c", b"-  a b", b"+\tb ", b"", b"\\ No newline at end of file", b"\\ x",
    b"index 1234567..89abcde 100644", b"index abc..def", b"index ..", b"new file mode 100644",
    b"rename from x", b"Binary files a/x and b/x differ", b"GIT binary patch", b"literal 3",
    b"From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001",
    b"commit fedcba9876543210fedcba9876543210fedcba98", b"Subject: x", b"-- ", b"\x00+nul",
    b"+caf\xe9", b"\x0b\x0c", b"9999999999999999999999999999999999999999",
])


@settings(max_examples=400, deadline=None)
@given(rows=st.lists(st.tuples(line_kinds, st.sampled_from([b"\n", b"\r\n"])), max_size=30),
       final_newline=st.booleans())
def test_diff_shaped_noise_gets_the_ids_git_gives(
    git_patch_ids: GitPatchIds, rows: list[tuple[bytes, bytes]], final_newline: bool
) -> None:
    data = b"".join(row + end for row, end in rows)
    if not final_newline and data.endswith(b"\n"):
        data = data[:-1]
    assert [(r.patch_id, r.commit) for r in patch_ids(data)] == git_patch_ids(data)


@settings(max_examples=600, deadline=None)
@given(data=st.binary(max_size=2000) | st.lists(
    st.sampled_from([b"diff ", b"--- ", b"+++ ", b"@@ -", b",", b" +", b"\n", b"\x00", b"index ",
                     b"..", b"Binary files", b"1", b"99999999999999999999999", b"-", b"+", b" "]),
    max_size=60).map(b"".join))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(patch_ids(data), list)
    assert patch_id(data) is None or len(patch_id(data) or "") == 40
    assert content_id(data) is None or len(content_id(data) or "") == 40
    assert isinstance(file_ids(data), list)
    assert isinstance(hunk_ids(data), list)
