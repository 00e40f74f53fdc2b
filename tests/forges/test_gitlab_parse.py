"""The GitLab adapter reads GitLab's JSON: the recorded real answers, our fixtures, and the
diffs it rebuilds, which must give the change the same identity git would."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.forges import gitlab_parse as parse
from bot.forges.base import ChangeState, EntryType, IssueState, Permission, RepoRef
from bot.sandbox import gitlab_git

DATA = Path(__file__).resolve().parents[1] / "data" / "gitlab"


def _sample(corpus: Path, name: str) -> object:
    return json.loads((corpus / "forges" / "gitlab" / name).read_text(encoding="utf-8"))


def test_projects_of_a_recorded_group_listing(corpus):
    repos = [parse.repo(p) for p in _sample(corpus, "api.groups.projects.list.json")]
    first = repos[0]
    assert first.ref == RepoRef("inkscape", "inkscape-board")
    assert first.default_branch == "main" and first.fork_of is None
    assert first.updated_at == datetime(2021, 10, 8, 4, 17, 43, 430000, tzinfo=UTC)
    assert first.clone_url == "https://gitlab.com/inkscape/inkscape-board.git"
    assert len({r.ref for r in repos}) == 11


def test_newer_of_last_activity_and_updated_at():
    data = {
        "path_with_namespace": "redhat/centos-stream/rpms/bash",
        "http_url_to_repo": "https://gitlab.com/redhat/centos-stream/rpms/bash.git",
        "web_url": "https://gitlab.com/redhat/centos-stream/rpms/bash",
        "default_branch": "c10s",
        "last_activity_at": "2026-01-02T03:04:05.000Z",
        "updated_at": "2026-01-02T05:00:00.000+02:00",
        "forked_from_project": {"path_with_namespace": "redhat/centos-stream/rpms/zsh"},
    }
    repo = parse.repo(data)
    assert repo.updated_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert repo.fork_of == RepoRef("redhat/centos-stream/rpms", "zsh")


@pytest.mark.parametrize(
    ("sample", "state", "draft", "title", "author"),
    [
        ("api.merge_requests.get.json", ChangeState.MERGED, False, "change", "lbarcziova"),
        (
            "api.merge_requests.get.go-gitlab.json",
            ChangeState.OPEN,
            True,
            "Add deletion support for designs",
            "alexkalderimis",
        ),
    ],
    ids=["merged-2019", "draft-newer-shape"],
)
def test_recorded_merge_requests(corpus, sample, state, draft, title, author):
    target = RepoRef("group", "project")
    change = parse.change(_sample(corpus, sample), target=target, source=target)
    assert (change.state, change.draft, change.title, change.author) == (
        state,
        draft,
        title,
        author,
    )
    assert change.head_sha and change.url.startswith("https://gitlab.com/")


def test_recorded_notes(corpus):
    notes = _sample(corpus, "api.merge_requests.notes.list.json")
    url = "https://gitlab.com/packit-service/ogr-tests/-/merge_requests/1"
    comments = [parse.comment(n, thread_url=url) for n in notes]
    assert comments[0].id == "263325107" and comments[0].author == "mfocko"
    assert comments[0].url == f"{url}#note_263325107"
    assert all(c.created_at.tzinfo is not None for c in comments)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (0, Permission.NONE),
        (5, Permission.NONE),
        (10, Permission.READ),
        (15, Permission.TRIAGE),
        (20, Permission.TRIAGE),
        (30, Permission.WRITE),
        (40, Permission.MAINTAIN),
        (50, Permission.ADMIN),
        (60, Permission.ADMIN),
    ],
    ids=[
        "none",
        "minimal",
        "guest",
        "planner",
        "reporter",
        "developer",
        "maintainer",
        "owner",
        "admin",
    ],
)
def test_access_levels(level, expected):
    assert parse.permission(level) is expected


def test_recorded_members_are_owners(corpus):
    members = _sample(corpus, "api.projects.members.all.json")
    assert {parse.permission(m["access_level"]) for m in members} <= set(Permission)
    assert parse.permission(members[0]["access_level"]) is Permission.ADMIN


@pytest.mark.parametrize(
    ("title", "expected", "draft"),
    [
        ("Draft: Fix it", "Fix it", True),
        ("draft:Fix it", "Fix it", True),
        ("[Draft] Fix it", "Fix it", True),
        ("(Draft) Fix it", "Fix it", True),
        ("Draft - Fix it", "Fix it", True),
        ("Drafting rules", "Drafting rules", False),
        ("Fix the Draft: parser", "Fix the Draft: parser", False),
    ],
    ids=["colon", "lowercase", "brackets", "parens", "dash", "word", "inside"],
)
def test_draft_prefixes(title, expected, draft):
    assert parse.undrafted(title) == expected
    assert parse.is_draft({"title": title}) is draft


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"type": "tree", "path": "SOURCES", "mode": "040000"}, EntryType.DIR),
        ({"type": "blob", "path": "a", "mode": "100644"}, EntryType.FILE),
        ({"type": "blob", "path": "l", "mode": "120000"}, EntryType.LINK),
        ({"type": "commit", "path": "sub", "mode": "160000"}, EntryType.SUBMODULE),
    ],
    ids=["dir", "file", "symlink", "submodule"],
)
def test_tree_entries(data, expected):
    assert parse.tree_entry(data).type is expected


@pytest.mark.parametrize(
    ("read", "data"),
    [
        (parse.repo, {"path_with_namespace": "a/b", "web_url": "w", "http_url_to_repo": "h"}),
        (parse.repo, {"path_with_namespace": "a/b", "last_activity_at": "yesterday"}),
        (parse.issue, {"iid": 1, "title": "t", "state": "reopened"}),
        (parse.branch, {"name": "main"}),
        (parse.tree_entry, {"type": "weird", "path": "x"}),
        (parse.permission, None),
        (
            parse.commit,
            {
                "id": "a",
                "title": "t",
                "author_name": "n",
                "author_email": "e",
                "authored_date": "2026-01-01T00:00:00",
            },
        ),
    ],
    ids=[
        "no-dates",
        "bad-date",
        "issue-state",
        "branch-commit",
        "tree-type",
        "level",
        "naive-date",
    ],
)
def test_unreadable_answers_say_what(read, data):
    with pytest.raises(ValueError, match=r"field|no |unknown|not|zone"):
        read(data)


def test_issue_states():
    data = {
        "iid": 3,
        "title": "t",
        "description": None,
        "state": "closed",
        "author": {"username": "packager"},
        "web_url": "u",
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z",
    }
    issue = parse.issue(data)
    assert (issue.state, issue.body, issue.number) == (IssueState.CLOSED, "", 3)


# -- diffs ------------------------------------------------------------------------------------


def test_diff_rebuilt_from_the_fixture():
    items = json.loads((DATA / "merge_request_diffs.json").read_text(encoding="utf-8"))
    expected = (DATA / "merge_request_diffs.diff").read_bytes()
    assert parse.unified_diff(items) == expected


def test_a_diff_too_large_for_gitlab_is_refused():
    item = {"old_path": "big", "new_path": "big", "too_large": True, "diff": ""}
    with pytest.raises(parse.Unreadable, match="too large"):
        parse.unified_diff([item])


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    env = {
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], input=stdin, env=env, capture_output=True, check=True
    ).stdout


def test_round_trip_keeps_gits_patch_id(tmp_path):
    """git's diff, cut into GitLab's per-file diffs (as the sandbox does) and rebuilt by the
    adapter, is git's diff without the `index` lines of text files: same patch id, and it
    applies. (A renamed file that also changed would lack git's similarity line.)"""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "--quiet", "--initial-branch=main")
    files = {
        "bash.spec": "Name: bash\nRelease: 1\n",
        "old.patch": "obsolete\n",
        "fix.patch": "".join(f"line {n}\n" for n in range(30)),
        "build.sh": "make\n",
        "logo.png": "\x00\x01",
    }
    for name, text in files.items():
        (repo / name).write_text(text, encoding="latin-1")
    _git(repo, "add", "-A")
    _git(repo, "commit", "--quiet", "-m", "base")
    (repo / "bash.spec").write_text("Name: bash\nRelease: 1.alma\n")
    (repo / "old.patch").unlink()
    (repo / "new.patch").write_text("brand new\n")
    (repo / "fix.patch").rename(repo / "fix-2.patch")
    (repo / "build.sh").chmod(0o755)
    (repo / "logo.png").write_bytes(b"\x00\x02")
    _git(repo, "add", "-A")
    original = _git(repo, "diff", "--cached", "-M", "--full-index").decode()
    blobs = {
        ("logo.png", "logo.png"): (
            _git(repo, "rev-parse", "HEAD:logo.png").decode().strip(),
            _git(repo, "rev-parse", ":logo.png").decode().strip(),
        )
    }
    rebuilt = parse.unified_diff(gitlab_git.file_diffs(original), blobs=blobs).decode()
    lines = original.splitlines(keepends=True)
    kept = "".join(
        line
        for number, line in enumerate(lines)
        if not line.startswith("index ")
        # a binary file keeps its index line: git's patch id hashes its blob names
        or lines[number + 1].startswith("Binary files")
    )
    assert rebuilt == kept
    assert (
        _git(repo, "patch-id", "--stable", stdin=rebuilt.encode()).split()[0]
        == _git(repo, "patch-id", "--stable", stdin=original.encode()).split()[0]
    )
    _git(repo, "stash", "--quiet")
    _git(
        repo,
        "apply",
        "--check",
        stdin=rebuilt.replace("Binary files a/logo.png and b/logo.png differ\n", "")
        .replace("diff --git a/logo.png b/logo.png\n", "")
        .encode(),
    )
