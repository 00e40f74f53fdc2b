"""The Gitea sandbox sends Gitea's own webhooks when the API comments, opens an issue or a
pull request, or edits an issue: one delivery each, signed, shaped like recorded payloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.ingest.signatures import verify_gitea
from bot.sandbox.faults import Faults
from bot.sandbox.gitea_api import build_app
from bot.sandbox.world import World
from tests.forges.harness import AUTHOR, BOT, PACKAGER, seed
from tests.forges.harness_gitea import HARNESS
from tests.sandbox.conftest import Receiver, Serve
from tests.sandbox.events_check import SECRET, attach, mismatches, sample

REPO = "rpms/pkg00"
API = f"/api/v1/repos/{REPO}"
COMMON = ["action", "repository.full_name", "sender.login", "sender.username"]
COMMENT = [
    *COMMON,
    "comment.id",
    "comment.body",
    "comment.user.login",
    "comment.created_at",
    "comment.updated_at",
    "issue.number",
    "issue.state",
]
PULL = [
    *COMMON,
    "number",
    "pull_request.number",
    "pull_request.state",
    "pull_request.merged",
    "pull_request.head.ref",
    "pull_request.base.ref",
    "pull_request.user.login",
]


def _branch(world: World) -> None:
    world.commit("gitea", REPO, "topic", {"t": b"t\n"}, message="t", author=AUTHOR)


def _pull(world: World) -> int:
    _branch(world)
    return world.open_change(
        "gitea",
        REPO,
        title="Topic",
        body="Body",
        author=PACKAGER,
        source_repo=REPO,
        source_branch="topic",
        target_branch="main",
    ).number


def _issue(world: World) -> int:
    return world.open_issue("gitea", REPO, title="Bug", body="b", author=PACKAGER).number


def _comment(world: World, kind: str, number: int) -> int:
    return world.add_comment("gitea", REPO, kind, number, author=BOT, body="old").id


#: id: (set-up returning the URL, method, request body, event, event type, sample, fields,
#: what the payload must say)
CASES: dict[str, tuple[Any, str, dict[str, Any], str, str, str, list[str], dict[str, Any]]] = {
    "comment-on-issue": (
        lambda w: f"{API}/issues/{_issue(w)}/comments",
        "POST",
        {"body": "/upstream status"},
        "issue_comment",
        "issue_comment",
        "gitea.issue_comment.issue.json",
        COMMENT,
        {"action": "created", "is_pull": False, "comment.body": "/upstream status"},
    ),
    "comment-on-pull": (
        lambda w: f"{API}/issues/{_pull(w)}/comments",
        "POST",
        {"body": "/upstream status"},
        "issue_comment",
        "pull_request_comment",
        "gitea.issue_comment.pull_request.json",
        [*COMMENT, "issue.pull_request.merged"],
        {"action": "created", "is_pull": True, "issue.pull_request.merged": False},
    ),
    "comment-edited": (
        lambda w: f"{API}/issues/comments/{_comment(w, 'change', _pull(w))}",
        "PATCH",
        {"body": "new"},
        "issue_comment",
        "pull_request_comment",
        "gitea.issue_comment.pull_request.json",
        COMMENT,
        {"action": "edited", "comment.body": "new", "changes.body.from": "old"},
    ),
    "pull-opened": (
        lambda w: _branch(w) or f"{API}/pulls",
        "POST",
        {"title": "Topic", "head": "topic", "base": "main"},
        "pull_request",
        "pull_request",
        "gitea.pull_request.opened.json",
        PULL,
        {"action": "opened", "pull_request.state": "open", "pull_request.head.ref": "topic"},
    ),
    "issue-opened": (
        lambda w: f"{API}/issues",
        "POST",
        {"title": "Bug"},
        "issues",
        "issues",
        "gitea.issue_comment.issue.json",
        [*COMMON, "issue.number", "issue.state", "issue.user.login"],
        {"action": "opened", "issue.title": "Bug", "sender.login": BOT},
    ),
    "issue-closed": (
        lambda w: f"{API}/issues/{_issue(w)}",
        "PATCH",
        {"state": "closed"},
        "issues",
        "issues",
        "gitea.issue_comment.issue.json",
        [*COMMON, "issue.number", "issue.state"],
        {"action": "closed", "issue.state": "closed"},
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
async def test_api_write_sends_one_signed_gitea_webhook(
    world: World, serve: Serve, receiver: Receiver, corpus: Path, case: str
):
    make_url, method, body, event, event_type, recorded, fields, says = CASES[case]
    seed(world, HARNESS)
    app = build_app(world, faults=Faults())
    sender = attach(app, receiver, "gitea")
    base = await serve(app)
    url = make_url(world)
    token = world.users("gitea")[BOT].token
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, base + url, json=body, headers={"Authorization": f"token {token}"}
        ) as answer,
    ):
        assert answer.status in (200, 201)
    await sender.drain()
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.headers["X-Gitea-Event"] == event
    assert got.headers["X-Gitea-Event-Type"] == event_type
    assert verify_gitea(SECRET, got.body, got.headers)
    payload = got.json()
    assert mismatches(payload, sample(corpus, "gitea", recorded), fields) == []
    assert payload["repository"]["full_name"] == REPO
    for path, value in says.items():
        found: Any = payload
        for part in path.split("."):
            found = found[part]
        assert found == value, path


async def test_no_sender_no_webhook(world: World, serve: Serve, receiver: Receiver):
    seed(world, HARNESS)
    base = await serve(build_app(world, faults=Faults()))
    token = world.users("gitea")[BOT].token
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{base}{API}/issues",
            json={"title": "Bug"},
            headers={"Authorization": f"token {token}"},
        ) as answer,
    ):
        assert answer.status == 201
    assert receiver.received == []
