"""Gitea/Forgejo JSON objects read into the forge vocabulary, from our samples in tests/data/gitea
(modeled on Forgejo v10 answers)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.forges import gitea_payloads as payload
from bot.forges.base import ChangeState, EntryType, IssueState, Permission, RepoRef
from bot.forges.errors import Invalid

DATA = Path(__file__).resolve().parent.parent / "data" / "gitea"


def sample(name: str):
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def test_a_fork_knows_its_parent_and_times_are_utc():
    repo = payload.repo(sample("repo.fork"))
    assert repo.ref == RepoRef("upstream-bot", "bash")
    assert repo.fork_of == RepoRef("rpms", "bash")
    assert repo.default_branch == "c10s"
    assert repo.updated_at == datetime(2026, 3, 2, 8, 15, 7, tzinfo=UTC)
    assert repo.clone_url == "https://git.example.org/upstream-bot/bash.git"


def test_the_parent_of_a_fork_is_no_fork():
    assert payload.repo(sample("repo.fork")["parent"]).fork_of is None


@pytest.mark.parametrize(
    ("name", "state", "draft", "title", "source", "author"),
    [
        (
            "pull.draft-from-fork",
            ChangeState.OPEN,
            True,
            "Carry the SBAT fix",
            RepoRef("upstream-bot", "shim"),
            "upstream-bot",
        ),
        (
            "pull.merged",
            ChangeState.MERGED,
            False,
            "Rebuild for the new signing key",
            RepoRef("rpms", "grub2"),
            "packager",
        ),
        (
            "pull.closed-fork-deleted",
            ChangeState.CLOSED,
            False,
            "Re-enable the old adapters",
            RepoRef("rpms", "kernel"),
            "contributor",
        ),
    ],
    ids=["draft-by-title-from-fork", "merged-is-closed-and-merged", "head-repo-gone"],
)
def test_pull_requests(name, state, draft, title, source, author):
    change = payload.change(sample(name))
    assert (change.state, change.draft, change.title) == (state, draft, title)
    assert (change.source, change.author) == (source, author)


def test_pull_request_fields():
    change = payload.change(sample("pull.draft-from-fork"))
    assert (change.number, change.target, change.target_branch) == (
        12,
        RepoRef("rpms", "shim"),
        "rawhide",
    )
    assert change.source_branch == "fix/sbat"
    assert change.head_sha == "2" * 40
    assert change.body.endswith("<!-- upstream-bot:open-change:abc123:fedora:rawhide -->")
    assert change.url == "https://git.example.org/rpms/shim/pulls/12"


def test_a_deleted_fork_leaves_no_head_sha_and_an_empty_body():
    change = payload.change(sample("pull.closed-fork-deleted"))
    assert change.head_sha is None and change.body == ""


@pytest.mark.parametrize(
    ("title", "prefixes", "expected"),
    [
        ("WIP: Fix it", payload.WIP_PREFIXES, ("Fix it", True)),
        ("[WIP] Fix it", payload.WIP_PREFIXES, ("Fix it", True)),
        ("wip:Fix it", payload.WIP_PREFIXES, ("Fix it", True)),
        ("Fix WIP: later", payload.WIP_PREFIXES, ("Fix WIP: later", False)),
        ("Draft: Fix it", ("Draft:",), ("Fix it", True)),
    ],
    ids=["wip-colon", "wip-brackets", "case-insensitive", "only-a-prefix", "custom-prefix"],
)
def test_split_wip(title, prefixes, expected):
    assert payload.split_wip(title, prefixes) == expected


def test_issue_and_comment():
    issue = payload.issue(sample("issue.closed"))
    assert (issue.number, issue.state, issue.author) == (5, IssueState.CLOSED, "upstream-bot")
    comment = payload.comment(sample("comment"))
    assert (comment.id, comment.author, comment.body) == (
        "3171",
        "packager",
        "/upstream skip branding",
    )
    assert comment.updated_at > comment.created_at


def test_commit_title_message_and_author_time():
    commit = payload.commit(sample("commit"))
    assert commit.title == "Debrand for AlmaLinux"
    assert commit.message == "Debrand for AlmaLinux\n\nReplace the vendor string."
    assert commit.authored_at == datetime(2026, 1, 2, 0, 4, 5, tzinfo=UTC)
    assert (commit.author_name, commit.author_email) == ("Sandbox Packager", "packager@example.org")


def test_directory_entries_by_type():
    entries = [payload.entry(item) for item in sample("contents.dir")]
    assert [(e.path, e.type, e.size) for e in entries] == [
        ("SOURCES", EntryType.DIR, None),
        ("bash.spec", EntryType.FILE, 1204),
        ("logo.svg", EntryType.LINK, None),
        ("upstream", EntryType.SUBMODULE, None),
    ]


def test_branch_head():
    head = payload.branch(sample("branch"))
    assert (head.name, head.sha) == ("a10s", "c" * 40)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("none", Permission.NONE),
        ("read", Permission.READ),
        ("write", Permission.WRITE),
        ("admin", Permission.ADMIN),
        ("owner", Permission.ADMIN),
    ],
    ids=["none", "read", "write", "admin", "owner"],
)
def test_permission_modes(mode, expected):
    assert payload.permission({"permission": mode, "role_name": mode}) is expected


@pytest.mark.parametrize(
    ("parse", "data", "what"),
    [
        (payload.repo, {"full_name": "rpms/bash"}, "KeyError"),
        (payload.comment, {"id": 1, "user": None}, "TypeError"),
        (payload.issue, {**sample("issue.closed"), "created_at": "yesterday"}, "ValueError"),
        (
            payload.commit,
            {
                **sample("commit"),
                "commit": {
                    "message": "x",
                    "author": {"name": "a", "email": "b", "date": "2026-01-02T03:04:05"},
                },
            },
            "without a time zone",
        ),
        (payload.permission, {"permission": "superuser"}, "KeyError"),
    ],
    ids=["missing-field", "null-user", "bad-time", "naive-time", "unknown-mode"],
)
def test_malformed_objects_are_invalid_and_say_where(parse, data, what):
    with pytest.raises(Invalid) as raised:
        payload.decode("gitea", "GET /repos/rpms/bash", parse, data)
    assert "GET /repos/rpms/bash" in str(raised.value) and what in str(raised.value)


def test_since_is_sent_in_utc():
    moment = datetime(2026, 3, 3, 12, 0, 1, 999, tzinfo=UTC)
    assert payload.stamp(moment) == "2026-03-03T12:00:01Z"
