"""Crash consistency: a bot process SIGKILLed at each step of reminding and of opening a
merge request, then started again, ends with exactly one merge request, one tracking issue
listing the change once, one reminder comment, and the action done."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bot.domain.model import Status, Target
from bot.domain.policy_model import open_change_key, remind_key
from bot.domain.tracking import marker, markers_in, tracking_key
from bot.service.act import act_once
from bot.service.scan import scan_once
from bot.store.records import ActionState
from tests.service.acting import SCANNED, ActingWorld, Story, acting_world, at, pending_bugfix
from tests.service.served import ROOT

CS = Target.CENTOS_STREAM
REMINDER_STEPS = ["claimed", "issue-opened", "comment-posted", "before-record"]
SUBMISSION_STEPS = ["claimed", "forked", "pushed", "opened", "recorded", "before-record"]


async def _bot(w: ActingWorld, now: datetime, story: Story, *, kill_at: str | None) -> int:
    config = w.process_config(w.root / "bot.json")
    extra = ["--kill-at", kill_at] if kill_at else []
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.service.act_process", str(config), now.isoformat(),
        "--package", story.package, *extra, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=300)
    assert process.returncode is not None
    if kill_at is None:
        assert process.returncode == 0, err.decode()
    return process.returncode


def _issue(w: ActingWorld, story: Story) -> int:
    sign = marker(tracking_key(story.package))
    issues = [i for i in w.world.issues("gitea", f"rpms/{story.package}") if sign in i.body]
    assert len(issues) == 1, [i.number for i in issues]
    assert issues[0].body.count(f"`{story.name}`") == 1
    return issues[0].number


def _reminders(w: ActingWorld, story: Story, number: int, key: str) -> int:
    comments = w.world.comments("gitea", f"rpms/{story.package}", "issue", number)
    return sum(key in markers_in(c.body) for c in comments)


async def _scanned(w: ActingWorld, story: Story) -> None:
    await scan_once(settings=w.settings, forges=w.forges, store=w.store, now=SCANNED,
                    packages=[story.package])


@pytest.mark.parametrize("step", REMINDER_STEPS)
async def test_killed_while_reminding(tmp_path: Path, step: str) -> None:
    async with acting_world(tmp_path) as w:
        story = pending_bugfix(w.truth)
        await _scanned(w, story)
        assert await _bot(w, at(15), story, kill_at=step) == -signal.SIGKILL
        await _bot(w, at(15), story, kill_at=None)
        key = remind_key(story.change_id, CS, 1)
        number = _issue(w, story)
        assert _reminders(w, story, number, key) == 1
        done = w.store.get_action(key)
        assert done is not None and done.state is ActionState.DONE
        assert w.store.get_target_status(story.change_id, CS).status is Status.REMINDED  # type: ignore[union-attr]
        tracking = w.store.get_action(tracking_key(story.package))
        assert tracking is not None and tracking.state is ActionState.DONE


@pytest.mark.parametrize("step", SUBMISSION_STEPS)
async def test_killed_while_opening_a_merge_request(tmp_path: Path, step: str) -> None:
    async with acting_world(tmp_path) as w:
        story = pending_bugfix(w.truth)
        await _scanned(w, story)
        await act_once(settings=w.settings, store=w.store, forges=w.forges, now=at(15),
                       work_root=w.root / "work", packages=[story.package])
        assert await _bot(w, at(23), story, kill_at=step) == -signal.SIGKILL
        await _bot(w, at(23), story, kill_at=None)
        record = w.store.get_change(story.change_id)
        assert record is not None
        key = open_change_key(str(record.record.evidence["analysis_id"]), CS, story.target_branch)
        path = f"redhat/centos-stream/rpms/{story.package}"
        requests = [c for c in w.world.changes("gitlab", path)
                    if f"<!-- upstream-bot:{key} -->" in c.body]
        assert [(c.state, c.draft) for c in requests] == [("open", True)]
        state = w.store.get_target_status(story.change_id, CS)
        assert state is not None and state.status is Status.SUBMITTED
        done = w.store.get_action(key)
        assert done is not None and done.state is ActionState.DONE and done.url == state.url
        number = _issue(w, story)
        assert _reminders(w, story, number, remind_key(story.change_id, CS, 1)) == 1
