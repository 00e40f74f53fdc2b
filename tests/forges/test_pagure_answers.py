"""Deciphering Pagure API v0 answers: recorded real ones from the corpus and our own samples
in tests/data/pagure (written in the same shapes)."""

from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.forges import pagure_answers as answers
from bot.forges.base import ChangeState, EntryType, IssueState, Permission, RepoRef
from bot.forges.calls import Budget, Caller, RetryPolicy
from bot.forges.errors import Invalid
from bot.forges.pagure_http import PagureHttp

DATA = Path(__file__).resolve().parents[1] / "data" / "pagure"
WEB = "https://src.fedoraproject.org"


def _sample(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _real(corpus: Path, name: str) -> dict:
    return json.loads((corpus / "forges" / "pagure" / name).read_text(encoding="utf-8"))


def test_project_becomes_a_repo():
    repo = answers.repo(_sample("project.rpms.json"), web_base=WEB, default_branch="rawhide")
    assert repo.ref == RepoRef("rpms", "bash")
    assert repo.clone_url == "https://src.fedoraproject.org/rpms/bash.git"
    assert repo.web_url == "https://src.fedoraproject.org/rpms/bash"
    assert repo.updated_at == datetime(2025, 10, 23, 15, 10, 12, tzinfo=UTC)
    assert repo.fork_of is None and repo.default_branch == "rawhide"


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        pytest.param("svashisht", Permission.ADMIN, id="main-admin"),
        pytest.param("kdudka", Permission.ADMIN, id="admin"),
        pytest.param("packager", Permission.WRITE, id="commit"),
        pytest.param("sig-member", Permission.WRITE, id="commit-through-group"),
        pytest.param("epel-helper", Permission.TRIAGE, id="collaborator-on-some-branches"),
        pytest.param("triager", Permission.TRIAGE, id="ticket"),
        pytest.param("someone-else", None, id="not-listed"),
    ],
)
def test_permission_from_access_lists(user, expected):
    assert answers.permission(_sample("project.rpms.json"), user) is expected


def test_real_project_without_namespace(corpus):
    project = _real(corpus, "api.project.get.json")
    repo = answers.repo(project, web_base="https://pagure.io", default_branch="main")
    assert repo.ref == RepoRef("", "ogr-tests")
    assert repo.clone_url == "https://pagure.io/ogr-tests.git"
    assert repo.web_url == "https://pagure.io/ogr-tests"
    assert answers.permission(project, "mfocko") is Permission.ADMIN
    assert answers.permission(project, "lachmanfrantisek") is Permission.ADMIN


def test_real_project_listing_of_forks(corpus):
    listing = _real(corpus, "api.projects.list.json")
    assert answers.pages(listing) == 1
    repos = [
        answers.repo(p, web_base="https://pagure.io", default_branch="main")
        for p in listing["projects"]
    ]
    assert repos[0].ref == RepoRef("fork/lbarczio", "ogr-tests")
    assert repos[0].clone_url == "https://pagure.io/forks/lbarczio/ogr-tests.git"
    assert {r.fork_of for r in repos} == {None, RepoRef("", "ogr-tests")}


def test_real_pull_request(corpus):
    change = answers.change(
        _real(corpus, "api.pull-request.get.json"), web_base="https://pagure.io"
    )
    assert (change.number, change.state, change.author) == (4, ChangeState.OPEN, "mfocko")
    assert change.url == "https://pagure.io/ogr-tests/pull-request/4"
    assert change.target == RepoRef("", "ogr-tests") and change.target_branch == "master"
    assert change.head_sha == "1b491a6718ca39c249e4e15a1b9d74fb2ff9d90a"


def test_real_pull_request_comments_leave_out_notifications(corpus):
    request = _real(corpus, "api.pull-request.get.json")
    found = answers.comments(
        request["comments"], thread_url="https://pagure.io/ogr-tests/pull-request/4"
    )
    assert len(found) == 7, "the '1 new commit added' notification is not a comment"
    assert found[0].body == "regex test" and found[0].author == "mfocko"
    assert found[0].url == "https://pagure.io/ogr-tests/pull-request/4#comment-99124"


def test_real_pull_request_listing(corpus):
    listing = _real(corpus, "api.pull-requests.list.json")
    changes = [answers.change(r, web_base="https://pagure.io") for r in listing["requests"]]
    assert len(changes) == listing["total_requests"] and answers.pages(listing) == 1
    assert changes[0].source == RepoRef("fork/mfocko", "ogr-tests")


def test_draft_pull_request_from_a_fork():
    change = answers.change(_sample("pull-request.fork.json"), web_base=WEB)
    assert (change.title, change.draft) == ("Fix the locale fallback", True)
    assert change.source == RepoRef("fork/upstream-bot/rpms", "bash")
    assert change.target == RepoRef("rpms", "bash")
    assert change.url == "https://src.fedoraproject.org/rpms/bash/pull-request/42"
    assert change.updated_at > change.created_at
    assert "<!-- upstream-bot:" in change.body


def test_edited_comment_is_updated_when_edited():
    request = _sample("pull-request.fork.json")
    (comment,) = answers.comments(request["comments"], thread_url="u")
    assert comment.id == "201300"
    assert comment.updated_at == datetime.fromtimestamp(1761301200, UTC) > comment.created_at


def test_closed_issue():
    issue = answers.issue(_sample("issue.json"), repo_url=f"{WEB}/rpms/bash")
    assert (issue.number, issue.state, issue.title) == (7, IssueState.CLOSED, "Tracking: bash")
    assert issue.url == "https://src.fedoraproject.org/rpms/bash/issue/7"


def test_branches_with_their_heads():
    branches = _sample("branches.json")
    assert answers.default_branch(branches) == "rawhide"
    assert [b.name for b in answers.branch_heads(branches)] == ["f43", "rawhide"]


@pytest.mark.parametrize(
    ("branches", "default"),
    [
        pytest.param({"default": "main"}, "main", id="names-only"),
        pytest.param({"default": {}}, None, id="empty-repository"),
        pytest.param({"default": None}, None, id="none"),
    ],
)
def test_default_branch_shapes(branches, default):
    assert answers.default_branch(branches) == default


def test_tree_listing_and_file():
    entries = answers.tree_entries(_sample("tree.root.json"))
    assert entries is not None
    assert {e.path: e.type for e in entries} == {
        "tests": EntryType.DIR,
        "bash.spec": EntryType.FILE,
        "sources": EntryType.FILE,
        "dot-bashrc": EntryType.LINK,
    }
    assert answers.tree_entries(_sample("tree.file.json")) is None


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        pytest.param("[WIP] Fix", ("Fix", True), id="wip-brackets"),
        pytest.param("WIP: Fix", ("Fix", True), id="wip-colon"),
        pytest.param("[wip]Fix", ("Fix", True), id="lowercase"),
        pytest.param("Fix WIP handling", ("Fix WIP handling", False), id="wip-inside"),
    ],
)
def test_split_draft(title, expected):
    assert answers.split_draft(title) == expected


@pytest.mark.parametrize(
    ("body", "read"),
    [
        pytest.param(b"<html>oops</html>", lambda d: d, id="not-json"),
        pytest.param(b"[1, 2]", lambda d: d, id="not-an-object"),
        pytest.param(b'{"id": 1}', lambda d: answers.issue(d, repo_url="u"), id="missing-fields"),
        pytest.param(
            b'{"date_created": "yesterday"}',
            lambda d: answers.timestamp(d["date_created"]),
            id="bad-date",
        ),
    ],
)
def test_unreadable_answers_are_invalid(body, read):
    policy = RetryPolicy(attempts=1)
    budget = Budget(per_hour=10, concurrency=1, clock=time.monotonic, sleep=asyncio.sleep)
    caller = Caller("pagure", budget, 1.0, policy, asyncio.sleep, random.random)
    http = PagureHttp(
        forge="pagure", base_url=WEB, token="t", caller=caller, clock=lambda: datetime.now(UTC)
    )
    with pytest.raises(Invalid, match="read issue: unexpected answer"):
        http.decipher("read issue", lambda: read(answers.json_object(body)))
