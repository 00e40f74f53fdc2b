"""The GitLab sandbox sends GitLab's own webhooks when the API adds or edits a note on an issue
or a merge request, or opens an issue or a merge request: one delivery each, with GitLab's
token, shaped like recorded payloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from bot.ingest.signatures import verify_gitlab
from bot.sandbox.faults import Faults
from bot.sandbox.gitlab_api import build_app
from bot.sandbox.gitstore import Author
from bot.sandbox.world import World
from tests.sandbox.conftest import Receiver, Serve
from tests.sandbox.events_check import SECRET, attach, dig, mismatches, sample

REPO = "redhat/centos-stream/rpms/tool"
API = f"/api/v4/projects/{quote(REPO, safe='')}"
TOKEN = "packager-token"
AUTHOR = Author("Sandbox Importer", "importer@sandbox.test")
COMMON = [
    "object_kind",
    "event_type",
    "user.id",
    "user.username",
    "project.id",
    "project.path_with_namespace",
    "project.web_url",
    "repository.name",
    "object_attributes.id",
    "object_attributes.created_at",
    "object_attributes.updated_at",
]
NOTE = [
    *COMMON,
    "project_id",
    "object_attributes.note",
    "object_attributes.noteable_type",
    "object_attributes.noteable_id",
    "object_attributes.author_id",
    "object_attributes.url",
    "object_attributes.system",
]
MERGE_REQUEST = [
    *COMMON,
    "object_attributes.iid",
    "object_attributes.title",
    "object_attributes.state",
    "object_attributes.source_branch",
    "object_attributes.target_branch",
    "object_attributes.author_id",
    "object_attributes.action",
    "object_attributes.url",
    "object_attributes.target.path_with_namespace",
]


def _seed(world: World) -> None:
    world.add_user("gitlab", "packager", token=TOKEN)
    world.create_repo("gitlab", REPO, default_branch="main", members={"packager": "write"})
    head = world.commit("gitlab", REPO, "main", {"a": b"a\n"}, message="Import", author=AUTHOR)
    world.commit("gitlab", REPO, "topic", {"b": b"b\n"}, message="Fix", author=AUTHOR, parent=head)


def _issue(world: World) -> int:
    return world.open_issue(
        "gitlab", REPO, title="Bug", body="b", author="packager", shared_numbers=False
    ).number


def _merge_request(world: World) -> int:
    return world.open_change(
        "gitlab",
        REPO,
        title="Topic",
        body="Body",
        author="packager",
        source_repo=REPO,
        source_branch="topic",
        target_branch="main",
        shared_numbers=False,
    ).number


def _note(world: World) -> str:
    number = _issue(world)
    note = world.add_comment("gitlab", REPO, "issue", number, author="packager", body="old")
    return f"{API}/issues/{number}/notes/{note.id}"


#: id: (set-up returning the URL, method, request body, event, sample, fields,
#: what the payload must say)
CASES: dict[str, tuple[Any, str, dict[str, Any], str, str, list[str], dict[str, Any]]] = {
    "note-on-issue": (
        lambda w: f"{API}/issues/{_issue(w)}/notes",
        "POST",
        {"body": "/upstream status"},
        "Note Hook",
        "note.issue.json",
        [*NOTE, "issue.id", "issue.iid", "issue.title", "issue.state", "issue.author_id"],
        {
            "object_kind": "note",
            "object_attributes.note": "/upstream status",
            "object_attributes.noteable_type": "Issue",
            "object_attributes.action": "create",
            "issue.iid": 1,
        },
    ),
    "note-on-merge-request": (
        lambda w: f"{API}/merge_requests/{_merge_request(w)}/notes",
        "POST",
        {"body": "/upstream status"},
        "Note Hook",
        "note.merge_request.json",
        [
            *NOTE,
            "merge_request.id",
            "merge_request.iid",
            "merge_request.state",
            "merge_request.source_branch",
            "merge_request.target_branch",
            "merge_request.work_in_progress",
            "merge_request.last_commit.id",
        ],
        {
            "object_attributes.noteable_type": "MergeRequest",
            "merge_request.iid": 1,
            "merge_request.source_branch": "topic",
        },
    ),
    "note-updated": (
        _note,
        "PUT",
        {"body": "new"},
        "Note Hook",
        "note.issue.json",
        NOTE,
        {"object_attributes.note": "new", "object_attributes.action": "update"},
    ),
    "merge-request-opened": (
        lambda w: f"{API}/merge_requests",
        "POST",
        {"title": "Topic", "source_branch": "topic", "target_branch": "main"},
        "Merge Request Hook",
        "merge_request.open.json",
        MERGE_REQUEST,
        {
            "object_kind": "merge_request",
            "object_attributes.action": "open",
            "object_attributes.state": "opened",
            "object_attributes.iid": 1,
        },
    ),
    "issue-opened": (
        lambda w: f"{API}/issues",
        "POST",
        {"title": "Bug"},
        "Issue Hook",
        # no recorded Issue Hook: its envelope is the Merge Request Hook's
        "merge_request.open.json",
        [
            *COMMON,
            "object_attributes.iid",
            "object_attributes.title",
            "object_attributes.state",
            "object_attributes.author_id",
            "object_attributes.action",
            "object_attributes.url",
        ],
        {
            "object_kind": "issue",
            "event_type": "issue",
            "object_attributes.action": "open",
            "object_attributes.title": "Bug",
            "object_attributes.iid": 1,
        },
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
async def test_api_write_sends_one_gitlab_webhook_with_its_token(
    world: World, serve: Serve, receiver: Receiver, corpus: Path, case: str
):
    make_url, method, body, event, recorded, fields, says = CASES[case]
    _seed(world)
    app = build_app(world, faults=Faults())
    sender = attach(app, receiver, "gitlab")
    base = await serve(app)
    url = make_url(world)
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, base + url, json=body, headers={"PRIVATE-TOKEN": TOKEN}) as answer,
    ):
        assert answer.status in (200, 201), await answer.text()
    await sender.drain()
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.headers["X-Gitlab-Event"] == event
    assert got.headers["X-Gitlab-Token"] == SECRET
    assert verify_gitlab(SECRET, got.body, got.headers)
    payload = got.json()
    assert mismatches(payload, sample(corpus, "gitlab", recorded), fields) == []
    assert payload["project"]["path_with_namespace"] == REPO
    assert payload["user"]["username"] == "packager"
    for path, value in says.items():
        assert dig(payload, path) == value, path


async def test_no_sender_no_webhook(world: World, serve: Serve, receiver: Receiver):
    _seed(world)
    base = await serve(build_app(world, faults=Faults()))
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base}{API}/issues", json={"title": "Bug"}, headers={"PRIVATE-TOKEN": TOKEN})
        as answer,
    ):
        assert answer.status == 201
    assert receiver.received == []
