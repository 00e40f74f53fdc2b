"""History read with stock git (Pagure's API has none): parsing, failures, and real fetches
from a local bare repository."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.forges.errors import AuthFailed, NotFound, Unavailable
from bot.forges.pagure_git import Fetch, failure, parse_log, read_log, refspecs
from bot.sandbox import gitstore
from bot.sandbox.gitstore import Author

WHO = Author("Ann Packager", "ann@example.test")
SHA = "0123456789abcdef0123456789abcdef01234567"


def test_parse_log_keeps_whole_messages():
    out = (
        f"{SHA}\x1fAnn\x1fann@example.test\x1f1700000000\x1fFix it\n\nBecause.\n\x1e\n"
        f"{'f' * 40}\x1fBob\x1fbob@example.test\x1f1600000000\x1fImport\n\x1e"
    ).encode()
    first, second = parse_log(out)
    assert (first.sha, first.title, first.message) == (SHA, "Fix it", "Fix it\n\nBecause.")
    assert first.authored_at == datetime.fromtimestamp(1700000000, UTC)
    assert (second.author_name, second.title) == ("Bob", "Import")


@pytest.mark.parametrize(
    ("stderr", "error"),
    [
        pytest.param(b"fatal: couldn't find remote ref nope", NotFound, id="missing-ref"),
        pytest.param(
            b"fatal: repository 'https://x/rpms/a.git/' not found", NotFound, id="no-repo"
        ),
        pytest.param(b"fatal: bad revision 'refs/fetched/0..x'", NotFound, id="bad-revision"),
        pytest.param(
            b"fatal: unable to access 'u': The requested URL returned error: 403",
            AuthFailed,
            id="forbidden",
        ),
        pytest.param(b"fatal: Authentication failed for 'u'", AuthFailed, id="authentication"),
        pytest.param(
            b"fatal: unable to access 'u': The requested URL returned error: 503",
            Unavailable,
            id="5xx",
        ),
        pytest.param(b"fatal: unable to access 'u': Failed to connect", Unavailable, id="refused"),
    ],
)
def test_failure_classification(stderr, error):
    found = failure("pagure", "list commits", stderr)
    assert type(found) is error
    assert str(found).startswith("pagure: list commits: git: ")


@pytest.mark.parametrize(
    ("refs", "specs", "revisions"),
    [
        pytest.param(("main",), ["+main:refs/fetched/0"], ["refs/fetched/0"], id="branch"),
        pytest.param(
            ("main", "feature"),
            ["+main:refs/fetched/0", "+feature:refs/fetched/1"],
            ["refs/fetched/0", "refs/fetched/1"],
            id="two-branches",
        ),
        pytest.param((SHA,), ["+refs/heads/*:refs/heads/*"], [SHA], id="commit-id"),
    ],
)
def test_refspecs(refs, specs, revisions):
    assert refspecs(refs) == (specs, revisions)


@pytest.fixture
def remote(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A bare repository: main has three commits (one touching SOURCES/), feature one more."""
    git_dir = tmp_path / "remote.git"
    gitstore.init_bare(git_dir, default_branch="main")
    heads = {}
    for index, files in enumerate(
        ({"a.spec": b"1\n"}, {"SOURCES/p.patch": b"p\n"}, {"a.spec": b"2\n"}), start=1
    ):
        heads["main"] = gitstore.commit_files(
            git_dir,
            "main",
            files,
            message=f"Commit {index}\n\nBody {index}.",
            author=WHO,
            when=datetime(2026, 1, index, tzinfo=UTC),
        )
    heads["feature"] = gitstore.commit_files(
        git_dir,
        "feature",
        {"fix.patch": b"x\n"},
        message="Add fix",
        author=WHO,
        when=datetime(2026, 2, 1, tzinfo=UTC),
        parent=heads["main"],
    )
    return git_dir.as_uri(), heads


async def test_read_log_newest_first(remote):
    url, heads = remote
    commits = await read_log("pagure", "log", Fetch(url, ("main",)), revisions=["{0}"])
    assert [c.title for c in commits] == ["Commit 3", "Commit 2", "Commit 1"]
    assert commits[0].sha == heads["main"] and commits[0].message == "Commit 3\n\nBody 3."
    assert commits[0].author_email == WHO.email


async def test_read_log_shallow_with_limit(remote):
    url, _ = remote
    fetch = Fetch(url, ("main",), depth=1)
    commits = await read_log("pagure", "log", fetch, revisions=["{0}"], limit=1)
    assert [c.title for c in commits] == ["Commit 3"]


async def test_read_log_of_a_path(remote):
    url, _ = remote
    fetch = Fetch(url, ("main",))
    commits = await read_log("pagure", "log", fetch, revisions=["{0}"], path="SOURCES")
    assert [c.title for c in commits] == ["Commit 2"]


async def test_read_log_at_a_commit_id(remote):
    url, heads = remote
    older = (await read_log("pagure", "log", Fetch(url, ("main",)), revisions=["{0}"]))[1].sha
    commits = await read_log("pagure", "log", Fetch(url, (older,)), revisions=["{0}"])
    assert [c.title for c in commits] == ["Commit 2", "Commit 1"]
    assert heads["main"] not in {c.sha for c in commits}


async def test_compare_two_branches(remote):
    url, _ = remote
    fetch = Fetch(url, ("main", "feature"))
    commits = await read_log("pagure", "compare", fetch, revisions=["{0}..{1}"])
    assert [c.title for c in commits] == ["Add fix"]


async def test_missing_branch_is_not_found(remote):
    url, _ = remote
    with pytest.raises(NotFound, match="no-such-branch"):
        await read_log("pagure", "log", Fetch(url, ("no-such-branch",)), revisions=["{0}"])


async def test_leaves_no_temporary_repository(remote, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)
    url, _ = remote
    await read_log("pagure", "log", Fetch(url, ("main",)), revisions=["{0}"])
    assert list((tmp_path / "scratch").iterdir()) == []
