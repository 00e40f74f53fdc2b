"""POST /webhooks/{gitea,gitlab,github,pagure}: recorded deliveries of each forge verified,
stored once and answered 202; bad signatures 401, unknown events 202 with nothing stored,
duplicates 202 stored once, oversized 413, malformed 400; a downstream push asks for a refresh.

The endpoints are mounted on the dashboard's application (`build_web_app`), as `serve` does,
over a real SQLite store and the real group-commit writer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Engine

from bot.ingest.events import ForgeKind
from bot.ingest.signatures import sign
from bot.service.inbox_writer import InboxWriter
from bot.settings import Settings
from bot.store import Store, session_factory
from bot.store.records import InboxState
from bot.web.app import build_web_app
from bot.web.webhooks import HookSource, WebhookReceiver
from tests.ingest.test_events import SAMPLES, sample

SECRET = "sandbox-webhook-secret"
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
SOURCES = (
    HookSource("almalinux", ForgeKind.GITEA, SECRET, "rpms", holds_packages=True),
    HookSource("autopatch", ForgeKind.GITEA, SECRET, "autopatch", holds_packages=True),
    HookSource("centos-stream", ForgeKind.GITLAB, SECRET, "redhat/centos-stream/rpms"),
    HookSource("github", ForgeKind.GITHUB, SECRET),
    HookSource("fedora", ForgeKind.PAGURE, SECRET, "rpms"),
)
#: every sample that holds an event to store, with the configured forge it must be filed under
STORED = [
    ("gitea", "issue_comment.created.issue", "almalinux"),
    ("gitea", "issue_comment.created.pull_request", "almalinux"),
    ("gitea", "issue_comment.edited.issue", "almalinux"),
    ("gitea", "pull_request.closed.merged", "almalinux"),
    ("gitea", "pull_request.opened", "almalinux"),
    ("gitea", "push", "almalinux"),
    ("gitlab", "note.merge_request", "centos-stream"),
    ("gitlab", "note.issue", "centos-stream"),
    ("gitlab", "note.merge_request.updated", "centos-stream"),
    ("gitlab", "merge_request.merge", "centos-stream"),
    ("gitlab", "push", "centos-stream"),
    ("github", "issue_comment.created.pull_request", "github"),
    ("github", "issue_comment.created.issue", "github"),
    ("github", "issue_comment.edited.pull_request", "github"),
    ("github", "issue_comment.created.bot", "github"),
    ("github", "pull_request.closed.merged", "github"),
    ("github", "pull_request.opened", "github"),
    ("github", "push", "github"),
    ("pagure", "pull-request.comment.added", "fedora"),
    ("pagure", "pull-request.comment.edited", "fedora"),
    ("pagure", "issue.comment.added", "fedora"),
    ("pagure", "pull-request.closed.merged", "fedora"),
    ("pagure", "pull-request.new", "fedora"),
    ("pagure", "git.receive", "fedora"),
]
IGNORED = [
    ("gitea", "issues.opened"),
    ("gitlab", "note.merge_request.system"),
    ("gitlab", "merge_request.update"),
    ("gitlab", "pipeline"),
    ("github", "pull_request.synchronize"),
    ("github", "star.created"),
    ("pagure", "issue.tag.added"),
]


@dataclass
class Hooks:
    client: TestClient
    store: Store
    writer: InboxWriter
    refreshed: list[str] = field(default_factory=list)

    async def post(self, forge: str, headers: dict, body: bytes) -> tuple[int, dict]:
        response = await self.client.post(f"/webhooks/{forge}", data=body, headers=headers)
        return response.status, await response.json()

    async def deliver(self, forge: str, case: str) -> tuple[int, dict]:
        return await self.post(forge, *sample(forge, case))

    def stored(self) -> int:
        return sum(self.store.inbox.counts().values())


async def _hooks(
    settings: Settings, engine: Engine, sources=SOURCES, max_body: int = 64 * 1024
) -> AsyncIterator[Hooks]:
    store = Store(session_factory(engine))
    writer = InboxWriter(store.inbox.enqueue, clock=lambda: NOW)
    await writer.start()
    refreshed: list[str] = []
    receiver = WebhookReceiver(sources, writer, max_body_size=max_body, refresh=refreshed.append)
    app = build_web_app(settings, store, routes=[receiver.routes()])
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Hooks(client, store, writer, refreshed)
    finally:
        await client.close()
        await writer.close()


@pytest.fixture
async def hooks(settings: Settings, engine: Engine) -> AsyncIterator[Hooks]:
    async for made in _hooks(settings, engine):
        yield made


@pytest.mark.parametrize(
    ("forge", "case", "filed_under"), STORED, ids=[f"{f}-{c}" for f, c, _ in STORED]
)
async def test_each_event_is_stored_once(hooks: Hooks, forge: str, case: str, filed_under: str):
    status, answer = await hooks.deliver(forge, case)
    assert (status, answer["status"]) == (202, "queued"), answer
    key = answer["detail"]
    assert key.startswith(f"{filed_under}:")
    entry = hooks.store.inbox.find(key)
    assert entry is not None and entry.state is InboxState.PENDING
    assert entry.forge == filed_under
    # the same delivery again (a redelivery) is a duplicate: 202, still stored once
    status, answer = await hooks.deliver(forge, case)
    assert (status, answer["status"], answer["detail"]) == (202, "duplicate", key)
    assert hooks.stored() == 1


@pytest.mark.parametrize(("forge", "case"), IGNORED, ids=[f"{f}-{c}" for f, c in IGNORED])
async def test_unknown_events_are_accepted_and_nothing_is_stored(hooks: Hooks, forge, case):
    status, answer = await hooks.deliver(forge, case)
    assert (status, answer["status"]) == (202, "ignored")
    assert hooks.stored() == 0


async def test_a_ping_is_answered_and_not_stored(hooks: Hooks):
    assert await hooks.deliver("github", "ping") == (202, {"status": "pong", "detail": "pong"})
    headers, body = sample("github", "ping.form", body_name="ping.form.body")
    assert (await hooks.post("github", headers, body))[0] == 202
    assert hooks.stored() == 0


@pytest.mark.parametrize(
    ("forge", "case"),
    [("gitea", "push"), ("gitlab", "note.merge_request"), ("github", "push"),
     ("pagure", "git.receive")],
)
async def test_a_wrong_or_missing_signature_is_401_and_nothing_is_stored(hooks: Hooks, forge, case):
    headers, body = sample(forge, case)
    tampered = body.replace(b"bash", b"bosh", 1) if b"bash" in body else body + b" "
    if forge == "gitlab":  # GitLab's proof is the token itself, not a digest of the body
        assert (await hooks.post(forge, {**headers, "X-Gitlab-Token": "guess"}, body))[0] == 401
    else:
        assert (await hooks.post(forge, headers, tampered))[0] == 401
    unsigned = {k: v for k, v in headers.items() if "signature" not in k.lower()
                and "token" not in k.lower()}
    assert (await hooks.post(forge, unsigned, body))[0] == 401
    resigned = {**headers, **sign(forge, "another-secret", body)}
    assert (await hooks.post(forge, resigned, body))[0] == 401
    assert hooks.stored() == 0


async def test_a_gitea_replay_with_a_new_delivery_id_is_a_duplicate(hooks: Hooks):
    headers, body = sample("gitea", "issue_comment.created.issue")
    assert (await hooks.post("gitea", headers, body))[1]["status"] == "queued"
    replay = {**headers, "X-Gitea-Delivery": "a-new-uuid", "X-GitHub-Delivery": "a-new-uuid"}
    assert (await hooks.post("gitea", replay, body))[1]["status"] == "duplicate"
    assert hooks.stored() == 1


async def test_an_edit_is_a_new_event_of_the_same_comment(hooks: Hooks):
    first = (await hooks.deliver("gitea", "issue_comment.created.issue"))[1]["detail"]
    edit = (await hooks.deliver("gitea", "issue_comment.edited.issue"))[1]["detail"]
    assert first != edit
    assert hooks.stored() == 2


async def test_an_oversized_body_is_413(settings: Settings, engine: Engine):
    async for hooks in _hooks(settings, engine, max_body=2048):
        headers, body = sample("gitea", "issue_comment.created.issue")
        assert len(body) > 2048
        assert (await hooks.post("gitea", headers, body))[0] == 413
        # a chunked body (no Content-Length) is cut off as well
        response = await hooks.client.post(
            "/webhooks/gitea", data=_chunks(body, 512), headers=headers
        )
        assert response.status == 413
        assert hooks.stored() == 0


async def _chunks(body: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_a_signed_but_malformed_body_is_400(hooks: Hooks):
    body = json.dumps({"action": "created", "issue": {"number": "four"},
                       "repository": {"full_name": "rpms/bash"}}).encode()
    headers = {"X-Gitea-Event": "issue_comment", "X-Gitea-Delivery": "d-400",
               **sign("gitea", SECRET, body)}
    status, answer = await hooks.post("gitea", headers, body)
    assert status == 400
    assert "issue.number" in answer["detail"]
    status, _ = await hooks.post("gitea", {**headers, **sign("gitea", SECRET, b"{")}, b"{")
    assert status == 400
    assert hooks.stored() == 0


async def test_a_forge_without_a_configured_secret_has_no_endpoint(settings, engine):
    async for hooks in _hooks(settings, engine, sources=SOURCES[:1]):
        assert (await hooks.deliver("github", "push"))[0] == 404
        assert (await hooks.deliver("gitea", "push"))[0] == 202


async def test_a_push_on_a_downstream_repository_asks_for_its_refresh_once(hooks: Hooks):
    await hooks.deliver("gitea", "push")
    await hooks.deliver("gitea", "push")  # a duplicate asks nothing more
    await hooks.deliver("gitlab", "push")  # a target's push is no package's refresh
    await hooks.deliver("pagure", "git.receive")
    assert hooks.refreshed == ["bash"]


async def test_an_autopatch_push_is_filed_under_the_autopatch_forge_and_refreshes(hooks: Hooks):
    headers, body = sample("gitea", "push")
    moved = body.replace(b'"full_name": "rpms/bash"', b'"full_name": "autopatch/bash"')
    assert moved != body
    status, answer = await hooks.post("gitea", {**headers, **sign("gitea", SECRET, moved)}, moved)
    assert (status, answer["detail"].split(":")[0]) == (202, "autopatch")
    assert hooks.refreshed == ["bash"]


async def test_when_the_inbox_cannot_store_the_answer_is_503(hooks: Hooks):
    await hooks.writer.close()
    assert (await hooks.deliver("gitea", "push"))[0] == 503


def test_every_sample_is_covered_here():
    """A new sample must be added to STORED or IGNORED (or be the ping)."""
    covered = {(f, c) for f, c, _ in STORED} | set(IGNORED) | {("github", "ping"),
                                                                ("github", "ping.form")}
    on_disk = {
        (folder.name, path.name.removesuffix(".headers.json"))
        for folder in SAMPLES.iterdir() if folder.is_dir()
        for path in folder.glob("*.headers.json")
    }
    assert on_disk == covered
