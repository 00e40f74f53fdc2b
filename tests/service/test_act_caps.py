"""Caps under a burst: 500 changes turn pending at once; act passes every 50 minutes for three
days never make more merge requests or reminders than the caps allow in any window, and
every change that waits has its reason stored (the cap, and when a slot frees)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_forge
from bot.domain.model import ChangeType, Kind, Operation, Status, Target
from bot.domain.policy import ActionKind, PlannedAction, Why
from bot.forges.base import Forge
from bot.service.act import ActReport, act_once, act_spec
from bot.service.executor import Handler
from bot.service.scheduler import Every
from bot.settings import Settings, load_settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import BranchRecord, ChangeRecord, PackageRecord
from tests.fakes.handlers import RecordingHandler
from tests.service.acting import acting_settings
from tests.service.served import ROOT

T0 = datetime.fromisoformat("2026-05-04T09:00:00+00:00")
PACKAGES, PER_PACKAGE = 50, 10
OWNERS = ("mcastell", "jekberg", "praman", "tvarga", "lokafor")
CAPS = {
    "max_submissions_per_hour": 2,
    "max_submissions_per_day": 7,
    "max_submissions_per_run": 5,
    "max_open_submissions_per_target": 12,
    "max_reminders_per_owner_per_week": 9,
    "max_reminders_per_run": 30,
}
HOUR, DAY, WEEK = timedelta(hours=1), timedelta(days=1), timedelta(weeks=1)


@dataclass
class Burst:
    settings: Settings
    store: Store
    forges: dict[str, Forge]
    root: Path


@pytest.fixture
async def burst(tmp_path: Path) -> AsyncIterator[Burst]:
    settings = acting_settings(load_settings(ROOT / "config/sandbox.toml", environ={}),
                               submit_after=DAY, **CAPS)
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    store = Store(session_factory(engine))
    for p in range(PACKAGES):
        package = f"pkg-{p:03d}"
        store.upsert_package(PackageRecord(package, f"rpms/{package}"), now=T0)
        store.upsert_branch(BranchRecord(package, "a9", "c9"), now=T0)
        changes = [
            ChangeRecord(
                id=f"{package}-{n}", type=ChangeType.PATCH, operation=Operation.ADDED,
                name=f"{1000 + n}-fix-{n}.patch", content_id=f"content-{package}-{n}",
                kind=Kind.SECURITY if n == 0 else Kind.BUGFIX,
                evidence={"analysis_id": f"analysis-{package}-{n}"},
                owner=OWNERS[(p * PER_PACKAGE + n) % len(OWNERS)],
            )
            for n in range(PER_PACKAGE)
        ]
        store.record_changes(package, "a9", changes, now=T0)
        for change in changes:
            store.set_target_status(change.id, Target.CENTOS_STREAM, Status.PENDING,
                                    reason="pending", evidence={"target_branch": "c9s"},
                                    now=T0, actor="scan")
    forges = {f.name: build_forge(f) for f in settings.forges}
    try:
        yield Burst(settings, store, forges, tmp_path)
    finally:
        for forge in forges.values():
            await forge.close()
        engine.dispose()


def _windows(times: list[datetime], window: timedelta) -> int:
    """The most actions any window of this length holds."""
    return max((sum(start <= t < start + window for t in times) for start in times), default=0)


async def test_caps_hold_under_a_burst_of_500_new_pending_changes(burst: Burst) -> None:
    reminders, submissions = RecordingHandler(per_package=True), RecordingHandler()
    handlers: dict[ActionKind, Handler] = {
        ActionKind.REMIND: reminders, ActionKind.OPEN_CHANGE: submissions,
    }
    made_at: dict[str, datetime] = {}
    now = T0 + 14 * DAY
    while now < T0 + 17 * DAY:
        await act_once(settings=burst.settings, store=burst.store, forges=burst.forges,
                       now=now, work_root=burst.root, handlers=lambda run: handlers)
        for action in (*reminders.made, *submissions.made):
            made_at.setdefault(action.key, now)
        now += timedelta(minutes=50)

    opened = [made_at[a.key] for a in submissions.made]
    assert len({a.key for a in submissions.made}) == len(submissions.made), "made twice"
    assert _windows(opened, HOUR) <= CAPS["max_submissions_per_hour"]
    assert _windows(opened, DAY) <= CAPS["max_submissions_per_day"]
    assert len(opened) == CAPS["max_open_submissions_per_target"], len(opened)
    kinds = [a.change_kind for a in submissions.made]
    assert Kind.SECURITY in kinds and kinds == sorted(kinds, key=lambda k: k is not Kind.SECURITY)

    by_owner: dict[str, list[datetime]] = {}
    for action in reminders.made:
        by_owner.setdefault(action.owner_key, []).append(made_at[action.key])
    assert set(by_owner) == set(OWNERS)
    assert max(_windows(times, WEEK) for times in by_owner.values()) == (
        CAPS["max_reminders_per_owner_per_week"])
    assert len(reminders.made) == len(OWNERS) * CAPS["max_reminders_per_owner_per_week"]

    whys = Counter(d.row.why for d in burst.store.acting.decisions_of())
    assert sum(whys.values()) == PACKAGES * PER_PACKAGE
    assert whys[str(Why.CAP_REMINDERS_PER_OWNER)] == (
        PACKAGES * PER_PACKAGE - len(reminders.made)), whys
    held = [d for d in burst.store.acting.decisions_of()
            if d.row.why == str(Why.CAP_REMINDERS_PER_OWNER)]
    assert all(d.row.until is not None and d.row.action_key for d in held)
    assert "cap of 9 reminders per week" in held[0].row.reason


async def test_open_merge_requests_cap_says_so(burst: Burst) -> None:
    """Every reminded change becomes due for a merge request at once; the open cap holds."""
    reminders, submissions = RecordingHandler(per_package=True), RecordingHandler()
    handlers: dict[ActionKind, Handler] = {
        ActionKind.REMIND: reminders, ActionKind.OPEN_CHANGE: submissions,
    }
    settings = acting_settings(burst.settings, submit_after=DAY, **{
        **CAPS, "max_reminders_per_owner_per_week": 1000, "max_reminders_per_run": 1000,
        "max_submissions_per_hour": 100, "max_submissions_per_day": 100,
        "max_submissions_per_run": 100})
    for now in (T0 + 14 * DAY, T0 + 16 * DAY, T0 + 17 * DAY):
        report = await act_once(settings=settings, store=burst.store, forges=burst.forges,
                                now=now, work_root=burst.root, handlers=lambda run: handlers)
    assert len(submissions.made) == CAPS["max_open_submissions_per_target"]
    waiting = [r for r in report.decision.reasons if r.why is Why.CAP_OPEN_SUBMISSIONS]
    assert waiting and all(isinstance(r.action_key, str) for r in waiting)
    assert "12 of the bot's merge requests to centos-stream are open" in waiting[0].text
    assert not _made_twice(submissions.made)


def _made_twice(actions: list[PlannedAction]) -> list[str]:
    seen = Counter(a.key for a in actions)
    return [key for key, count in seen.items() if count > 1]


async def test_the_act_job_spec_runs_one_pass_at_the_clocks_time(burst: Burst) -> None:
    spec = act_spec(settings=burst.settings, store=burst.store, forges=burst.forges,
                    clock=lambda: T0 + 20 * DAY, work_root=burst.root, every=HOUR)
    assert spec.id == "act" and spec.trigger == Every(HOUR, at_start=True)
    settings = acting_settings(burst.settings, dry_run=True)
    dry = act_spec(settings=settings, store=burst.store, forges=burst.forges,
                   clock=lambda: T0 + 20 * DAY, work_root=burst.root)
    report = await dry.run()
    assert isinstance(report, ActReport) and report.dry_run
    assert report.now == T0 + 20 * DAY and report.decision.actions
