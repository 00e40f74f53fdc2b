"""The act job end to end on a served sandbox world, on a fake clock: a pending bugfix is left
alone in its grace period, then reminded in its package's tracking issue, then submitted as a
draft merge request to CentOS Stream, and recorded merged once the sandbox merges it; a
dry run plans exactly what the real run then does and writes nothing to any forge."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.domain.model import Status, Target
from bot.domain.policy import ActionKind, Why
from bot.domain.tracking import marker, markers_in, tracking_key
from bot.domain.upstream_status import marker as change_marker
from bot.service.act import ActReport, act_once
from bot.service.forge_urls import url_map_from_settings
from bot.service.scan import scan_once
from bot.service.scan_jobs import sync_change_requests
from bot.store.records import ActionState
from tests.service.acting import SCANNED, ActingWorld, Story, acting_world, at, pending_bugfix

CS = Target.CENTOS_STREAM


async def _act(w: ActingWorld, now: datetime, *, dry_run: bool = False,
               package: str | None = None) -> ActReport:
    return await act_once(settings=w.settings, store=w.store, forges=w.forges, now=now,
                          work_root=w.root / "work", dry_run=dry_run,
                          packages=[package] if package else None)


def _tracking_issues(w: ActingWorld, story: Story) -> list[str]:
    sign = marker(tracking_key(story.package))
    return [i.body for i in w.world.issues("gitea", f"rpms/{story.package}") if sign in i.body]


def _bot_requests(w: ActingWorld, story: Story) -> list[tuple[int, bool, str]]:
    analysis = str(w.store.get_change(story.change_id).record.evidence["analysis_id"])  # type: ignore[union-attr]
    sign = change_marker(analysis, str(CS), story.target_branch)
    path = f"redhat/centos-stream/rpms/{story.package}"
    return [(c.number, c.draft, c.state) for c in w.world.changes("gitlab", path)
            if sign in c.body]


async def test_a_pending_bugfix_is_reminded_then_submitted_then_merged(tmp_path: Path) -> None:
    async with acting_world(tmp_path) as w:
        story = pending_bugfix(w.truth)
        await scan_once(settings=w.settings, forges=w.forges, store=w.store, now=SCANNED,
                        packages=[story.package])
        assert w.store.get_target_status(story.change_id, CS).status is Status.PENDING  # type: ignore[union-attr]

        grace = await _act(w, at(1), package=story.package)
        assert not grace.decision.actions
        why = {(r.change_id, r.target): r for r in grace.decision.reasons}[(story.change_id, CS)]
        assert why.why is Why.GRACE_PERIOD and why.until == at(14)
        assert sum(w.writes.values()) == 0

        reminded = await _act(w, at(15), package=story.package)
        mine = [a for a in reminded.decision.actions if a.change_id == story.change_id]
        assert [(a.kind, a.target) for a in mine] == [(ActionKind.REMIND, CS)]
        (body,) = _tracking_issues(w, story)
        assert body.count(f"`{story.name}`") == 1
        owner = w.store.get_change(story.change_id).record.owner  # type: ignore[union-attr]
        assert owner in {o.username for o in w.settings.owners}
        issue = next(i for i in w.world.issues("gitea", f"rpms/{story.package}")
                     if i.body == body)
        comments = w.world.comments("gitea", f"rpms/{story.package}", "issue", issue.number)
        assert [c.body.count(f"@{owner}:") for c in comments] == [1]
        assert mine[0].key in markers_in(comments[0].body)
        state = w.store.get_target_status(story.change_id, CS)
        assert state is not None and state.status is Status.REMINDED
        assert w.writes["gitlab"] == 0

        submitted = await _act(w, at(23), package=story.package)
        mine = [a for a in submitted.decision.actions if a.change_id == story.change_id]
        assert [(a.kind, a.target) for a in mine] == [(ActionKind.OPEN_CHANGE, CS)]
        outcome = submitted.executed.outcomes[mine[0].key]
        assert outcome.state is ActionState.DONE, outcome.reason
        ((number, draft, state_of_request),) = _bot_requests(w, story)
        assert draft and state_of_request == "open"
        state = w.store.get_target_status(story.change_id, CS)
        assert state is not None and state.status is Status.SUBMITTED and state.url
        (body,) = _tracking_issues(w, story)
        assert body.count(f"`{story.name}`") == 1 and state.url in body

        writes = sum(w.writes.values())
        again = await _act(w, at(24), package=story.package)
        assert all(a.change_id != story.change_id for a in again.decision.actions)
        assert len(_bot_requests(w, story)) == 1
        assert sum(w.writes.values()) == writes

        w.world.set_change_state("gitlab", f"redhat/centos-stream/rpms/{story.package}",
                                 number, "merged")
        synced = await sync_change_requests(forges=w.forges, store=w.store,
                                            urls=url_map_from_settings(w.settings), now=at(25))
        assert synced.transitions >= 1
        state = w.store.get_target_status(story.change_id, CS)
        assert state is not None and state.status is Status.MERGED, state


async def test_a_dry_run_plans_what_the_real_run_does_and_writes_nothing(tmp_path: Path) -> None:
    async with acting_world(tmp_path) as w:
        await scan_once(settings=w.settings, forges=w.forges, store=w.store, now=SCANNED)
        for day in (15, 23):
            before = dict(w.writes)
            dry = await _act(w, at(day), dry_run=True)
            assert dict(w.writes) == before, "a dry run wrote to a forge"
            assert dry.dry_run and not dry.executed.outcomes
            real = await _act(w, at(day))
            assert [(a.kind, a.key, a.reason) for a in dry.decision.actions] == [
                (a.kind, a.key, a.reason) for a in real.decision.actions
            ]
            assert dry.decision.reasons == real.decision.reasons
            assert [a.key for a in dry.executed.planned] == [a.key for a in real.executed.planned]
            assert real.decision.actions, f"day {day}: nothing to compare"
            assert all(o.state is ActionState.DONE for o in real.executed.outcomes.values()), {
                k: o.reason for k, o in real.executed.outcomes.items()
                if o.state is not ActionState.DONE}
        decisions = w.store.acting.decisions_of()
        assert decisions and not any(d.row.dry_run for d in decisions)
