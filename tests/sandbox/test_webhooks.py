"""The sandbox's webhook sender: each forge's own delivery headers, signatures that verify,
a delivery log, and failures recorded instead of raised."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from bot.ingest.signatures import verify
from bot.sandbox.webhooks import Hook, WebhookSender
from tests.sandbox.conftest import Receiver

SECRET = "hook-secret"
BODY = b'{"action": "created", "comment": {"id": 3003, "body": "/upstream status"}}'
PAGURE_BODY = json.dumps(
    {
        "i": 1,
        "msg": {"pagure_instance": "http://127.0.0.1:3002/", "project_fullname": "rpms/bash"},
        "msg_id": "2026-x",
        "timestamp": 1,
        "topic": "pull-request.comment.added",
    },
    sort_keys=True,
).encode()

#: (hook forge, World forge sent from, event, body, headers that must be there exactly)
CASES = [
    (
        "github",
        "github",
        "issue_comment",
        BODY,
        {"X-GitHub-Event": "issue_comment", "User-Agent": "GitHub-Hookshot/sandbox"},
    ),
    (
        "gitlab",
        "gitlab",
        "Note Hook",
        BODY,
        {"X-Gitlab-Event": "Note Hook", "X-Gitlab-Token": SECRET},
    ),
    (
        "gitea",
        "gitea",
        "issue_comment",
        BODY,
        {"X-Gitea-Event": "issue_comment", "X-Gogs-Event": "issue_comment"},
    ),
    (
        "forgejo",
        "gitea",
        "issue_comment",
        BODY,
        {"X-Forgejo-Event": "issue_comment", "X-Gitea-Event": "issue_comment"},
    ),
    (
        "pagure",
        "pagure",
        "pull-request.comment.added",
        PAGURE_BODY,
        {
            "X-Pagure-Topic": "pull-request.comment.added",
            "X-Pagure": "http://127.0.0.1:3002/",
            "X-Pagure-project": "rpms/bash",
        },
    ),
]
#: the header that carries each forge's delivery id
DELIVERY_HEADER = {
    "github": "X-GitHub-Delivery",
    "gitlab": "Idempotency-Key",
    "gitea": "X-Gitea-Delivery",
    "forgejo": "X-Forgejo-Delivery",
}


def _ids():
    counter = iter(range(1, 1000))
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


@pytest.mark.parametrize(
    ("hook_forge", "forge", "event", "body", "expected"), CASES, ids=[c[0] for c in CASES]
)
async def test_delivery_carries_the_forges_headers_and_verifies(
    receiver: Receiver, hook_forge, forge, event, body, expected
):
    sender = WebhookSender([Hook(hook_forge, receiver.url, SECRET)], new_id=_ids())
    deliveries = await sender.send(forge, event, body)
    assert [d.ok for d in deliveries] == [True]
    got = receiver.received[0]
    assert got.body == body
    assert got.headers["Content-Type"] == "application/json"
    for name, value in expected.items():
        assert got.headers[name] == value
    assert verify(hook_forge, SECRET, got.body, got.headers)
    if hook_forge in DELIVERY_HEADER:
        assert got.headers[DELIVERY_HEADER[hook_forge]] == "00000000-0000-4000-8000-000000000001"
    assert sender.deliveries == deliveries
    assert deliveries[0].status == 202


async def test_each_delivery_gets_a_new_id_and_gitlab_keeps_the_hooks_own(receiver: Receiver):
    hook = Hook("gitlab", receiver.url, SECRET, id="hook-uuid")
    sender = WebhookSender([hook])
    await sender.send("gitlab", "Note Hook", BODY)
    await sender.send("gitlab", "Note Hook", BODY)
    first, second = (r.headers for r in receiver.received)
    assert first["Idempotency-Key"] != second["Idempotency-Key"]
    assert first["X-Gitlab-Event-UUID"] != second["X-Gitlab-Event-UUID"]
    assert first["X-Gitlab-Webhook-UUID"] == second["X-Gitlab-Webhook-UUID"] == "hook-uuid"


async def test_gitea_fine_event_type_and_extra_headers(receiver: Receiver):
    sender = WebhookSender([Hook("gitea", receiver.url, SECRET)])
    await sender.send(
        "gitea",
        "issue_comment",
        BODY,
        event_type="pull_request_comment",
        headers={"Authorization": "Basic Zm9vOmJhcg=="},
    )
    headers = receiver.received[0].headers
    assert headers["X-Gitea-Event"] == "issue_comment"
    assert headers["X-Gitea-Event-Type"] == "pull_request_comment"
    assert headers["Authorization"] == "Basic Zm9vOmJhcg=="


@pytest.mark.parametrize(
    ("forge", "absent", "empty"),
    [
        ("github", ["X-Hub-Signature-256", "X-Hub-Signature"], []),
        ("gitlab", ["X-Gitlab-Token"], []),
        ("gitea", [], ["X-Gitea-Signature"]),
    ],
    ids=["github", "gitlab", "gitea"],
)
async def test_a_hook_without_secret_sends_no_signature(receiver: Receiver, forge, absent, empty):
    sender = WebhookSender([Hook(forge, receiver.url, "")])
    await sender.send(forge, "push", BODY)
    headers = receiver.received[0].headers
    assert all(name not in headers for name in absent)
    assert all(headers[name] == "" for name in empty)
    assert not verify(forge, "", BODY, headers)


async def test_only_hooks_of_the_sending_forge_get_the_event(receiver: Receiver):
    sender = WebhookSender(
        [
            Hook("gitea", receiver.url + "/a", SECRET),
            Hook("github", receiver.url + "/b", SECRET),
            Hook("gitea", receiver.url + "/c", SECRET),
        ]
    )
    deliveries = await sender.send("gitea", "push", BODY)
    assert [r.path for r in receiver.received] == ["/hooks/a", "/hooks/c"]
    assert [d.hook.url for d in deliveries] == [receiver.url + "/a", receiver.url + "/c"]
    assert await sender.send("pagure", "git.receive", PAGURE_BODY) == []


async def test_a_failing_receiver_is_recorded_not_raised(receiver: Receiver):
    receiver.status = 500
    sender = WebhookSender([Hook("github", receiver.url, SECRET)])
    (delivery,) = await sender.send("github", "push", BODY)
    assert delivery.status == 500
    assert not delivery.ok
    assert delivery.error == "the receiver answered HTTP 500"


async def test_a_slow_receiver_times_out_and_is_recorded(receiver: Receiver):
    receiver.delay = 5.0
    sender = WebhookSender([Hook("gitea", receiver.url, SECRET)], timeout=0.2)
    (delivery,) = await sender.send("gitea", "push", BODY)
    assert delivery.status is None
    assert delivery.error == "no answer within 0.2s"


async def test_an_unreachable_receiver_is_recorded(tmp_path: Path):
    # a port that was free a moment ago: nothing listens there
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = WebhookSender([Hook("pagure", f"http://127.0.0.1:{port}/hook", SECRET)])
    (delivery,) = await sender.send("pagure", "git.receive", PAGURE_BODY)
    assert delivery.status is None
    assert "ClientConnectorError" in (delivery.error or "")
    assert sender.deliveries == [delivery]


async def test_post_queues_and_drain_waits(receiver: Receiver):
    sender = WebhookSender([Hook("github", receiver.url, SECRET)])
    sender.post("github", "issue_comment", BODY)
    sender.post("github", "issue_comment", BODY)
    await sender.drain()
    assert len(receiver.received) == 2
    assert [d.ok for d in sender.deliveries] == [True, True]
