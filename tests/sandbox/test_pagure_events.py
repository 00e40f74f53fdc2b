"""The Pagure sandbox sends Pagure's own web-hooks when the API comments on an issue or a pull
request or opens a pull request: one delivery each, the message in Pagure's envelope with
sorted keys, signed, shaped like recorded messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.ingest.signatures import verify_pagure
from bot.sandbox.faults import Faults
from bot.sandbox.gitstore import Author
from bot.sandbox.pagure_api import build_app
from bot.sandbox.world import World
from tests.sandbox.conftest import Receiver, Serve
from tests.sandbox.events_check import SECRET, attach, dig, mismatches, sample

REPO = "rpms/tool"
API = f"/api/0/{REPO}"
WHO = Author("Ann Packager", "ann@example.test")
PACKAGER = "packager"
#: the envelope's fields, checked against Pagure's unit-test web-hook envelope
ENVELOPE = ["i", "msg_id", "timestamp", "topic", "msg.pagure_instance", "msg.project_fullname"]
#: the message's fields, checked against a fedora-messaging message of src.fedoraproject.org
PULL = [
    "agent",
    "pullrequest.id",
    "pullrequest.uid",
    "pullrequest.title",
    "pullrequest.status",
    "pullrequest.branch",
    "pullrequest.branch_from",
    "pullrequest.commit_stop",
    "pullrequest.date_created",
    "pullrequest.comments",
    "pullrequest.user.name",
    "pullrequest.project.fullname",
    "pullrequest.repo_from.fullname",
]


def _seed(world: World) -> None:
    world.add_user("pagure", PACKAGER)
    world.create_repo("pagure", REPO, default_branch="rawhide", members={PACKAGER: "admin"})
    world.commit("pagure", REPO, "rawhide", {"a": b"a\n"}, message="Import", author=WHO)
    world.commit("pagure", REPO, "topic", {"t": b"t\n"}, message="Topic", author=WHO)


def _pull(world: World) -> int:
    return world.open_change(
        "pagure",
        REPO,
        title="Topic",
        body="Why",
        author=PACKAGER,
        source_repo=REPO,
        source_branch="topic",
        target_branch="rawhide",
    ).number


def _issue(world: World) -> int:
    return world.open_issue("pagure", REPO, title="Bug", body="b", author=PACKAGER).number


#: id: (set-up returning the URL, form, topic, message sample, message fields,
#: what the message must say)
CASES: dict[str, tuple[Any, dict[str, str], str, str | None, list[str], dict[str, Any]]] = {
    "comment-on-pull-request": (
        lambda w: f"{API}/pull-request/{_pull(w)}/comment",
        {"comment": "/upstream status"},
        "pull-request.comment.added",
        "fedora-messaging.pull-request.comment.added.src-fp-o.json",
        PULL,
        {"pullrequest.comments.0.comment": "/upstream status", "pullrequest.id": 1},
    ),
    "pull-request-new": (
        lambda w: f"{API}/pull-request/new",
        {"title": "Topic", "branch_to": "rawhide", "branch_from": "topic"},
        "pull-request.new",
        "fedora-messaging.pull-request.new.src-fp-o.json",
        PULL,
        {"pullrequest.status": "Open", "pullrequest.title": "Topic", "pullrequest.comments": []},
    ),
    "comment-on-issue": (
        lambda w: f"{API}/issue/{_issue(w)}/comment",
        {"comment": "/upstream status"},
        "issue.comment.added",
        # no recorded issue message: its `agent` is the pull request's
        "fedora-messaging.pull-request.comment.added.src-fp-o.json",
        ["agent"],
        {
            "issue.id": 1,
            "issue.title": "Bug",
            "issue.comments.0.comment": "/upstream status",
            "project.fullname": REPO,
        },
    ),
}


def _at(value: Any, path: str) -> Any:
    """`dig` that also steps into lists by index."""
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else dig(value, part)
    return value


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
async def test_api_write_sends_one_signed_pagure_webhook(
    world: World, serve: Serve, receiver: Receiver, corpus: Path, case: str
):
    make_url, form, topic, recorded, fields, says = CASES[case]
    _seed(world)
    app = build_app(world, faults=Faults())
    sender = attach(app, receiver, "pagure")
    base = await serve(app)
    url = make_url(world)
    token = world.users("pagure")[PACKAGER].token
    async with (
        aiohttp.ClientSession() as session,
        session.post(base + url, data=form, headers={"Authorization": f"token {token}"}) as answer,
    ):
        assert answer.status == 200, await answer.text()
    await sender.drain()
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.headers["X-Pagure-Topic"] == topic
    assert got.headers["X-Pagure-project"] == REPO
    assert got.headers["X-Pagure"] == f"{base}/"
    assert "X-Pagure-Signature-256" in got.headers
    assert verify_pagure(SECRET, got.body, got.headers)
    payload = got.json()
    assert isinstance(payload, dict)
    # Pagure signs the sorted-key serialisation; a receiver may rely on those exact bytes
    assert got.body == json.dumps(payload, sort_keys=True).encode("utf-8")
    envelope = sample(corpus, "pagure", "webhook.envelope.pagure-unit-test.json")
    assert mismatches(payload, envelope, ENVELOPE) == []
    assert sorted(payload) == sorted(envelope)
    assert payload["topic"] == topic
    message = payload["msg"]
    assert mismatches(message, sample(corpus, "pagure", recorded), fields) == []
    assert message["agent"] == PACKAGER
    for path, value in says.items():
        assert _at(message, path) == value, path


async def test_no_sender_no_webhook(world: World, serve: Serve, receiver: Receiver):
    _seed(world)
    base = await serve(build_app(world, faults=Faults()))
    token = world.users("pagure")[PACKAGER].token
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{base}{API}/issue/{_issue(world)}/comment",
            data={"comment": "hi"},
            headers={"Authorization": f"token {token}"},
        ) as answer,
    ):
        assert answer.status == 200
    assert receiver.received == []
