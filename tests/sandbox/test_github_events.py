"""The GitHub sandbox sends GitHub's own webhooks when the API comments or opens or edits an
issue: one delivery each, signed, shaped like recorded payloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.ingest.signatures import verify_github
from bot.sandbox.faults import Faults
from bot.sandbox.github_api import API_PREFIX, build_app
from bot.sandbox.gitstore import Author
from bot.sandbox.world import World
from tests.sandbox.conftest import Receiver, Serve
from tests.sandbox.events_check import SECRET, attach, dig, mismatches, sample

REPO = "upstream-projects/tool"
API = f"{API_PREFIX}/repos/{REPO}"
TOKEN = "packager-token"
AUTHOR = Author("Sandbox Importer", "importer@sandbox.test")
COMMON = ["action", "repository.full_name", "sender.login", "issue.number", "issue.state"]
COMMENT = [
    *COMMON,
    "comment.id",
    "comment.body",
    "comment.user.login",
    "comment.created_at",
    "comment.updated_at",
]


def _seed(world: World) -> None:
    world.add_user("github", "packager", token=TOKEN)
    world.create_repo("github", REPO, default_branch="main", members={"packager": "write"})


def _issue(world: World) -> int:
    return world.open_issue("github", REPO, title="Bug", body="b", author="packager").number


def _pull(world: World) -> int:
    head = world.commit("github", REPO, "main", {"a": b"a\n"}, message="Import", author=AUTHOR)
    world.commit("github", REPO, "topic", {"b": b"b\n"}, message="Fix", author=AUTHOR, parent=head)
    return world.open_change(
        "github",
        REPO,
        title="Topic",
        body="Body",
        author="packager",
        source_repo=REPO,
        source_branch="topic",
        target_branch="main",
    ).number


def _comment(world: World) -> int:
    number = _issue(world)
    return world.add_comment("github", REPO, "issue", number, author="packager", body="old").id


CASES: dict[str, tuple[Any, str, dict[str, Any], str, str, list[str], dict[str, Any]]] = {
    "comment-on-issue": (
        lambda w: f"{API}/issues/{_issue(w)}/comments",
        "POST",
        {"body": "/upstream status"},
        "issue_comment",
        "issue_comment.created.issue.json",
        COMMENT,
        {"action": "created", "comment.body": "/upstream status"},
    ),
    "comment-on-pull": (
        lambda w: f"{API}/issues/{_pull(w)}/comments",
        "POST",
        {"body": "/upstream status"},
        "issue_comment",
        "issue_comment.created.pull_request.json",
        [*COMMENT, "issue.pull_request.url"],
        {"action": "created"},
    ),
    "comment-edited": (
        lambda w: f"{API}/issues/comments/{_comment(w)}",
        "PATCH",
        {"body": "new"},
        "issue_comment",
        "issue_comment.edited.issue.json",
        [*COMMENT, "changes.body.from"],
        {"action": "edited", "comment.body": "new", "changes.body.from": "old"},
    ),
    "issue-opened": (
        lambda w: f"{API}/issues",
        "POST",
        {"title": "Bug"},
        "issues",
        "issue_comment.created.issue.json",
        COMMON,
        {"action": "opened", "issue.title": "Bug"},
    ),
    "pull-closed": (
        lambda w: f"{API}/issues/{_pull(w)}",
        "PATCH",
        {"state": "closed"},
        "issues",
        "issue_comment.created.pull_request.json",
        COMMON,
        {"action": "closed", "issue.state": "closed"},
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
async def test_api_write_sends_one_signed_github_webhook(
    world: World, serve: Serve, receiver: Receiver, corpus: Path, case: str
):
    make_url, method, body, event, recorded, fields, says = CASES[case]
    _seed(world)
    app = build_app(world, faults=Faults())
    sender = attach(app, receiver, "github")
    base = await serve(app)
    url = make_url(world)
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, base + url, json=body, headers={"Authorization": f"token {TOKEN}"}
        ) as answer,
    ):
        assert answer.status in (200, 201)
    await sender.drain()
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.headers["X-GitHub-Event"] == event
    assert verify_github(SECRET, got.body, got.headers)
    payload = got.json()
    assert mismatches(payload, sample(corpus, "github", recorded), fields) == []
    assert payload["repository"]["full_name"] == REPO
    assert payload["sender"]["login"] == "packager"
    for path, value in says.items():
        assert dig(payload, path) == value, path
