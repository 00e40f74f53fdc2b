"""Chat-ops on the sandbox forges: every command's happy path by a maintainer and its refusal
for someone without the role, the acknowledgement and the replies, the audit log, and the
rules that keep a command from running twice (edits, redeliveries, the bot's own replies)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.command_grammar import reply_marker
from bot.domain.model import Target
from bot.domain.overrides import OverrideKind
from bot.forges.base import Permission, RepoRef
from bot.forges.errors import Unavailable
from bot.ingest.events import CommentEvent
from bot.service.chatops.runner import command_key
from bot.settings import load_settings
from bot.settings.schema import ChatopsSettings
from bot.store.audit import Claim
from bot.store.records import ActionRecord, ActionState
from tests.service.chatops_desk import (
    BOT,
    FIX,
    LOGO,
    MAINTAINER,
    NOW,
    OUTSIDER,
    ROOT,
    Desk,
    open_desk,
)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async for made in open_desk(tmp_path):
        yield made


def _overrides(desk: Desk, kind: OverrideKind) -> list:
    return [o for o in desk.store.overrides_of([FIX]).get(FIX, []) if o.kind is kind]


#: command → (what a maintainer's reply says, a check of what it did)
ACTING = {
    "/upstream submit fedora": (
        "fedora: opened https://forge.test/pr/1",
        lambda d: d.submissions.calls == [("submit", FIX, Target.FEDORA, MAINTAINER)],
    ),
    "/upstream skip only needed downstream": (
        "skipped: only needed downstream",
        lambda d: [o.value for o in _overrides(d, OverrideKind.SKIP)] == ["only needed downstream"],
    ),
    "/upstream snooze 3f2a9c1b 30d": (
        "snoozed until 2026-06-03 12:00 UTC",
        lambda d: [o.until for o in _overrides(d, OverrideKind.SNOOZE)] == [NOW + timedelta(30)],
    ),
    "/upstream link https://git.savannah.example/bash/commit/?id=1f2e": (
        "submitted to project at https://git.savannah.example/bash/commit/?id=1f2e",
        lambda d: [(o.value, o.target) for o in _overrides(d, OverrideKind.LINK)]
        == [("https://git.savannah.example/bash/commit/?id=1f2e", Target.PROJECT)],
    ),
    "/upstream jira RHEL-81234": (
        "opened https://forge.test/pr/1",
        lambda d: d.submissions.calls
        == [("set_reference", FIX, Target.CENTOS_STREAM, "RHEL-81234", MAINTAINER)],
    ),
    "/upstream assign @alice": (
        "now owned by @alice",
        lambda d: [o.value for o in _overrides(d, OverrideKind.ASSIGN)] == ["alice"],
    ),
    "/upstream refresh": (
        "A rescan of bash is queued",
        lambda d: d.refreshed == ["bash"],
    ),
}


@pytest.mark.parametrize("command", list(ACTING), ids=[c.split()[1] for c in ACTING])
async def test_a_maintainer_runs_each_command(desk: Desk, command: str) -> None:
    says, did = ACTING[command]
    comment, event = desk.write(command, author=MAINTAINER)
    ran = await desk.handle(event)
    assert [r.text for r in ran] == [command]
    (reply,) = desk.replies()
    assert says in reply, reply
    assert reply.startswith(f"> {command}\n\n@{MAINTAINER}: ")
    assert did(desk)
    assert desk.outcomes()[0].startswith("done: ")
    assert (BOT, "eyes") in desk.world.comment("gitea", comment.id).reactions


@pytest.mark.parametrize("command", [*ACTING, "/upstream unskip"],
                         ids=[c.split()[1] for c in [*ACTING, "/upstream unskip"]])
async def test_someone_without_the_role_is_refused_politely(desk: Desk, command: str) -> None:
    _, event = desk.write(command, author=OUTSIDER)
    await desk.handle(event)
    (reply,) = desk.replies()
    assert f"Sorry @{OUTSIDER}" in reply
    assert "rpms/bash" in reply and "You have read access there" in reply
    assert "nothing was changed" in reply
    assert desk.store.overrides_of([FIX]) == {}
    assert desk.submissions.calls == [] and desk.refreshed == []
    (outcome,) = desk.outcomes()
    assert outcome == f"refused: {OUTSIDER} has read, needs " + (
        "triage" if command == "/upstream refresh" else "write"
    )


async def test_unskip_undoes_a_skip(desk: Desk) -> None:
    await desk.handle(desk.write("/upstream skip not ours", author=MAINTAINER)[1])
    await desk.handle(desk.write("/upstream unskip", author=MAINTAINER)[1])
    assert _overrides(desk, OverrideKind.SKIP) == []
    assert "counts as pending again" in desk.replies()[-1]
    await desk.handle(desk.write("/upstream unskip", author=MAINTAINER)[1])
    assert "bash has no change to unskip" in desk.replies()[-1]


@pytest.mark.parametrize("author", [MAINTAINER, OUTSIDER])
async def test_anyone_may_ask_for_help_and_status(desk: Desk, author: str) -> None:
    await desk.handle(desk.write("/upstream help\n/upstream status", author=author)[1])
    help_reply, status_reply = desk.replies()
    assert "| command | who may run it | what it does |" in help_reply
    assert "`/upstream skip [<ref>] <reason>`" in help_reply
    assert "**bash**: 2 changes" in status_reply
    assert "`3f2a9c1b` 0001-fix-completion.patch (a9, bugfix)" in status_reply
    assert "fedora **pending** (not found upstream)" in status_reply
    assert "`77aa00bb` logo.png (a9, branding): fedora **not-needed** (branding)" in status_reply


async def test_several_commands_run_in_order_each_answered(desk: Desk) -> None:
    body = "Thanks!\n/upstream assign @alice\n> /upstream skip quoted\n/upstream snooze 2w"
    ran = await desk.handle(desk.write(body, author=MAINTAINER)[1])
    assert [r.text for r in ran] == ["/upstream assign @alice", "/upstream snooze 2w"]
    assert ["now owned" in r for r in desk.replies()] == [True, False]
    assert "snoozed until 2026-05-18" in desk.replies()[1]


async def test_a_malformed_command_gets_its_usage(desk: Desk) -> None:
    await desk.handle(desk.write("/upstream snooze forever", author=MAINTAINER)[1])
    (reply,) = desk.replies()
    assert "I did not understand `/upstream snooze forever`" in reply
    assert "`/upstream snooze [<ref>] <duration: 12h, 30d, 8w>`" in reply
    assert desk.outcomes()[0].startswith("malformed: ")


async def test_a_ref_picks_the_change(desk: Desk) -> None:
    await desk.handle(desk.write("/upstream skip 77aa00bb it is a logo", author=MAINTAINER)[1])
    assert [o.kind for o in desk.store.overrides_of([LOGO])[LOGO]] == [OverrideKind.SKIP]
    await desk.handle(desk.write("/upstream skip deadbeef x", author=MAINTAINER)[1])
    assert "bash has no change `deadbeef`" in desk.replies()[-1]


async def test_an_edit_runs_only_the_lines_it_adds_and_a_redelivery_nothing(desk: Desk) -> None:
    comment, created = desk.write("/upstream skip not ours", author=MAINTAINER)
    assert len(await desk.handle(created)) == 1
    assert await desk.handle(created) == []  # the same delivery again
    edited = desk.edit(comment, "/upstream skip not ours\n/upstream assign @alice")
    assert [r.text for r in await desk.handle(edited)] == ["/upstream assign @alice"]
    assert await desk.handle(edited) == []
    assert len(_overrides(desk, OverrideKind.SKIP)) == 1
    assert len(desk.replies()) == 2


async def test_the_bots_own_comments_run_nothing(desk: Desk) -> None:
    await desk.handle(desk.write("/upstream refresh", author=MAINTAINER)[1])
    (reply,) = desk.replies()
    assert "<!-- upstream-bot:reply:almalinux:" in reply
    # its reply quotes the command and carries the marker; written by the bot or replayed
    # under another account name, it runs nothing
    _, own = desk.write(reply, author=BOT)
    assert await desk.handle(own) == []
    _, copied = desk.write(reply, author=MAINTAINER)
    assert await desk.handle(copied) == []
    assert desk.refreshed == ["bash"]


async def test_a_trusted_user_may_run_anything(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "config/sandbox.toml", environ={})
    trusting = replace(settings, chatops=ChatopsSettings(trusted_users=("almalinux:outsider",)))
    async for desk in open_desk(tmp_path, settings=trusting):
        await desk.handle(desk.write("/upstream assign @bob", author=OUTSIDER)[1])
        assert [o.value for o in _overrides(desk, OverrideKind.ASSIGN)] == ["bob"]


async def test_a_thread_the_bot_does_not_track(desk: Desk) -> None:
    other = desk.world.open_issue("pagure", "rpms/bash", title="Q", body="?", author=OUTSIDER)
    _, event = desk.write("/upstream skip x", author=MAINTAINER, forge="pagure",
                          number=other.number)
    await desk.handle(event, forge="fedora")
    (reply,) = desk.replies("pagure", other.number)
    assert "I do not track anything in this thread" in reply
    assert desk.store.overrides_of([FIX]) == {}


async def test_on_pagure_there_is_no_reaction_and_the_reply_still_comes(desk: Desk) -> None:
    issue = desk.world.open_issue("pagure", "rpms/bash", title="bash", body="", author=BOT)
    (found,) = await desk.pagure.find_issues(RepoRef("rpms", "bash"))
    url = found.url
    assert found.number == issue.number and url.endswith(f"/issue/{issue.number}")
    desk.store.record_action(ActionRecord(key="fedora-issue", type="note",
                                          payload={"package": "bash"}), now=NOW)
    desk.store.finish_action("fedora-issue", state=ActionState.DONE, now=NOW, url=url)
    comment, event = desk.write("/upstream status", author=OUTSIDER, forge="pagure",
                                number=issue.number)
    event = replace(event, thread=replace(event.thread, url=url))
    await desk.handle(event, forge="fedora")
    (reply,) = desk.replies("pagure", issue.number)
    assert "**bash**: 2 changes" in reply
    assert desk.world.comment("pagure", comment.id).reactions == []


async def test_an_outage_gives_the_command_back_for_the_retry(desk: Desk) -> None:
    _, event = desk.write("/upstream assign @alice", author=MAINTAINER)
    desk.faults.statuses = [503] * 20  # the reply cannot be posted
    with pytest.raises(Unavailable):
        await desk.handle(event)
    assert desk.replies() == []
    (interrupted,) = desk.outcomes()
    assert interrupted.startswith("interrupted (") and interrupted.endswith(
        "it runs again when the forge answers"
    )
    desk.faults.statuses = []
    assert [r.text for r in await desk.handle(event)] == ["/upstream assign @alice"]
    assert len(desk.replies()) == 1
    assert desk.outcomes()[-1].startswith("done: ")


class CountingForge:
    name = "counting"

    def __init__(self) -> None:
        self.asked = 0

    async def permission(self, repo: RepoRef, user: str) -> Permission:
        self.asked += 1
        return Permission.WRITE


async def test_permissions_are_cached_for_their_ttl() -> None:
    from bot.service.chatops import PermissionCache

    now = [NOW]
    cache = PermissionCache(timedelta(minutes=5), lambda: now[0])
    forge = CountingForge()
    repo = RepoRef("rpms", "bash")
    for _ in range(3):
        assert await cache.permission(forge, repo, "alice") is Permission.WRITE
    assert forge.asked == 1
    await cache.permission(forge, repo, "bob")
    now[0] += timedelta(minutes=6)
    await cache.permission(forge, repo, "alice")
    assert forge.asked == 3


async def test_jira_on_an_open_request_says_what_was_done(desk: Desk) -> None:
    from bot.domain.submission import SubmitOutcome, SubmitState

    url = "https://gitlab.test/redhat/centos-stream/rpms/bash/-/merge_requests/7"
    desk.submissions.outcome = SubmitOutcome(
        SubmitState.ALREADY_OPEN,
        f"Resolves: RHEL-81234 added to the commit of {url}; marked ready for review", url=url,
    )
    await desk.handle(desk.write("/upstream jira RHEL-81234", author=MAINTAINER)[1])
    assert f"added to the commit of {url}; marked ready for review" in desk.replies()[0]


def _dead_run(desk: Desk, event: CommentEvent, command: str, *, holder_event: CommentEvent) -> str:
    """What a worker SIGKILLed mid-command leaves: the claim, started, held by its event."""
    key = command_key("almalinux", event.comment_id, command, 1)
    assert desk.store.chatops.claim_command(
        key, holder=f"almalinux:{holder_event.identity}", actor=MAINTAINER,
        location=desk.issue_url, command=command, now=NOW,
    ) is Claim.NEW
    return key


async def test_the_retry_of_the_event_takes_over_a_command_its_dead_run_left(
    desk: Desk,
) -> None:
    comment, event = desk.write("/upstream refresh", author=MAINTAINER)
    _dead_run(desk, event, "/upstream refresh", holder_event=event)
    # another event of the same comment (an edit keeping the line) leaves it to its holder
    edited = desk.edit(comment, "/upstream refresh\n\nplease")
    assert await desk.handle(edited) == []
    assert desk.refreshed == [] and desk.replies() == []
    # the retry of the event that claimed it runs it, once
    assert [r.text for r in await desk.handle(event)] == ["/upstream refresh"]
    assert desk.refreshed == ["bash"] and len(desk.replies()) == 1
    (outcome,) = desk.outcomes()
    assert outcome.startswith("done: ")
    assert await desk.handle(event) == []  # finished: a later redelivery runs nothing
    assert len(desk.replies()) == 1


async def test_a_taken_over_command_whose_reply_was_posted_is_not_answered_twice(
    desk: Desk,
) -> None:
    _, event = desk.write("/upstream refresh", author=MAINTAINER)
    key = _dead_run(desk, event, "/upstream refresh", holder_event=event)
    # the dead run posted its reply (with the command's marker) but died before recording it
    marker = reply_marker("upstream-bot", key.removeprefix("command:"))
    desk.world.add_comment("gitea", "rpms/bash", "issue", desk.issue, author=BOT,
                           body=f"> /upstream refresh\n\n@{MAINTAINER}: queued\n\n{marker}")
    (ran,) = await desk.handle(event)
    assert ran.outcome.startswith("answered before a restart: ")
    assert len(desk.replies()) == 1 and desk.refreshed == []
    assert desk.outcomes() == [ran.outcome]
