"""The comment poller on the GitLab and Pagure sandboxes: comments holding commands on the
requests the bot follows become the same inbox events a webhook would give, once each; an
edit is a new event; a forge that fails does not stop the others."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_forge
from bot.commands.opened import sandbox_settings
from bot.domain.model import ChangeType, Operation, Status, Target
from bot.forges.base import Forge, RepoRef
from bot.ingest.events import CommentAction, CommentEvent, ForgeKind, read_delivery
from bot.ingest.events.codec import decode
from bot.ingest.signatures import sign
from bot.sandbox import gitlab_events
from bot.sandbox.faults import Faults
from bot.sandbox.gitstore import Author
from bot.sandbox.server import RunningSandbox, start_sandbox
from bot.sandbox.world import World
from bot.service.comment_poller import CommentPoller, polled_forges
from bot.service.forge_urls import url_map_from_settings
from bot.settings import Settings, load_settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import BranchRecord, ChangeRecord, InboxState, PackageRecord
from tests.service.served import APPS, ROOT

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
BOT = "upstream-bot"
PACKAGER = "packager"
CS_PATH = "redhat/centos-stream/rpms/bash"


@dataclass
class Polled:
    world: World
    running: RunningSandbox
    settings: Settings
    store: Store
    forges: dict[str, Forge]
    poller: CommentPoller
    clock: list[datetime]
    mr: int
    pr: int


@pytest.fixture
async def polled(tmp_path: Path) -> AsyncIterator[Polled]:
    clock = [NOW]

    def tick() -> datetime:  # the forges and the poller share one time, a second per write
        clock[0] += timedelta(seconds=1)
        return clock[0]

    world = World(tmp_path / "world", clock=tick)
    author = Author("Importer", "importer@sandbox.test")
    numbers = {}
    for kind, path, branch in (("gitlab", CS_PATH, "c10s"), ("pagure", "rpms/bash", "rawhide")):
        for name in (BOT, PACKAGER):
            world.add_user(kind, name)
        world.create_repo(kind, path, default_branch=branch, members={BOT: "admin"})
        world.commit(kind, path, branch, {"bash.spec": b"Name: bash\n"}, message="import",
                     author=author)
        world.commit(kind, path, "upstream-bot/fix", {"fix.patch": b"x\n"}, message="fix",
                     author=author)
        numbers[kind] = world.open_change(
            kind, path, title="Fix", body="", author=BOT, source_repo=path,
            source_branch="upstream-bot/fix", target_branch=branch,
        ).number
    running = await start_sandbox(world, apps=APPS, ports={},
                                  faults={kind: Faults() for kind in APPS})
    settings = sandbox_settings(load_settings(ROOT / "config/sandbox.toml", environ={}),
                                running.urls)
    forges = {f.name: build_forge(f, token=world.users(str(f.type)).get(BOT).token
                                  if BOT in world.users(str(f.type)) else "")
              for f in settings.forges}
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    store = Store(session_factory(engine))
    store.upsert_package(PackageRecord(name="bash", repo="rpms/bash"), now=NOW)
    store.upsert_branch(BranchRecord(package="bash", name="a10s", base="c10s"), now=NOW)
    store.record_changes("bash", "a10s", [ChangeRecord(
        id="fix1", type=ChangeType.PATCH, operation=Operation.ADDED, name="fix.patch",
        content_id="c")], now=NOW)
    for target, forge, repo, number in (
        (Target.CENTOS_STREAM, "centos-stream", RepoRef.parse(CS_PATH), numbers["gitlab"]),
        (Target.FEDORA, "fedora", RepoRef("rpms", "bash"), numbers["pagure"]),
    ):
        url = (await forges[forge].get_change(repo, number)).url
        store.set_target_status("fix1", target, Status.SUBMITTED, reason="opened", evidence={},
                                now=NOW, actor="bot", url=url)
    poller = CommentPoller(store, forges, url_map_from_settings(settings),
                           forges=polled_forges(settings), clock=lambda: clock[0])
    try:
        yield Polled(world, running, settings, store, forges, poller, clock, numbers["gitlab"],
                     numbers["pagure"])
    finally:
        for adapter in forges.values():
            await adapter.close()
        await running.close()
        engine.dispose()


def _events(p: Polled) -> list[tuple[str, CommentEvent]]:
    claimed = p.store.inbox.claim(owner="t", now=p.clock[0] + timedelta(days=1),
                                  lease=timedelta(minutes=1), limit=100, max_attempts=5)
    for event in claimed:
        p.store.inbox.finish(event.id, owner="t")
    return [(e.forge, decode(e.event_type, e.payload)) for e in claimed]


def test_the_forges_without_webhooks_are_polled() -> None:
    settings = load_settings(ROOT / "config/sandbox.toml", environ={})
    assert polled_forges(settings) == ["centos-stream", "fedora", "github"]


async def test_commands_on_followed_requests_become_inbox_events_once(polled: Polled) -> None:
    w = polled.world
    note = w.add_comment("gitlab", CS_PATH, "change", polled.mr, author=PACKAGER,
                         body="/upstream jira RHEL-81234")
    w.add_comment("gitlab", CS_PATH, "change", polled.mr, author=PACKAGER, body="LGTM")
    w.add_comment("pagure", "rpms/bash", "change", polled.pr, author=PACKAGER,
                  body="thanks\n/upstream status")
    done = await polled.poller.poll_once()
    assert (done.threads, done.comments, done.queued, done.failed) == (2, 3, 2, 0)
    events = _events(polled)
    assert sorted((forge, e.thread.repo, e.thread.number, e.body, e.action)
                  for forge, e in events) == [
        ("centos-stream", CS_PATH, polled.mr, "/upstream jira RHEL-81234", CommentAction.CREATED),
        ("fedora", "rpms/bash", polled.pr, "thanks\n/upstream status", CommentAction.CREATED),
    ]
    # GitLab's own webhook for the same note is the same inbox event: one of them is kept
    origin = polled.running.urls["gitlab"]
    _, body = gitlab_events.note_event(w, note, sender=PACKAGER, origin=origin)
    headers = {"X-Gitlab-Event": "Note Hook", **sign("gitlab", "s", body)}
    hooked = read_delivery(ForgeKind.GITLAB, headers, body).event
    polled_note = next(e for f, e in events if f == "centos-stream")
    assert hooked.identity == polled_note.identity

    polled.clock[0] += timedelta(minutes=10)
    again = await polled.poller.poll_once()
    assert again.queued == 0


async def test_an_edit_is_a_new_event(polled: Polled) -> None:
    note = polled.world.add_comment("gitlab", CS_PATH, "change", polled.mr, author=PACKAGER,
                                    body="/upstream jira RHEL-1")
    await polled.poller.poll_once()
    polled.clock[0] += timedelta(minutes=10)
    polled.world.edit_comment("gitlab", note.id, "/upstream jira RHEL-2")
    assert (await polled.poller.poll_once()).queued == 1
    actions = [(e.body, e.action) for _, e in _events(polled)]
    assert actions == [("/upstream jira RHEL-1", CommentAction.CREATED),
                       ("/upstream jira RHEL-2", CommentAction.EDITED)]


async def test_a_failing_forge_does_not_stop_the_round(polled: Polled) -> None:
    polled.world.add_comment("pagure", "rpms/bash", "change", polled.pr, author=PACKAGER,
                             body="/upstream refresh")
    polled.running.faults["gitlab"].statuses = [500] * 50
    done = await polled.poller.poll_once()
    assert (done.failed, done.queued) == (1, 1)
    assert polled.store.inbox.counts()[InboxState.PENDING] == 1
