"""The act job: read the changes still owed upstream from the store, decide what to do about
each (bot/domain/policy.py), store why, run the actions (reminders, merge requests) through
the executor, and bring the packages' tracking issues up to date.

`act_once` is one pass; `act_job` binds it for the scheduler (a `JobSpec`'s coroutine
factory). A dry run (`dry_run=True`, or `[policy] dry_run` in the settings) decides the
same, stores its reasons marked as a dry run, and writes nothing to any forge.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.domain.model import Status, Target
from bot.domain.overrides import Override, OverrideKind, current
from bot.domain.owners import Owner, resolve_owner
from bot.domain.policy import ActionKind, Decision, Reason, decide
from bot.domain.tracking import TargetLine, TrackedChange
from bot.forges.base import Forge
from bot.service.act_cases import build_case, read_history
from bot.service.executor import Executed, Executor, Handler, StepHook, no_step
from bot.service.owner_facts import owner_facts
from bot.service.reminders import Downstream, ReminderHandler, TrackingIssues
from bot.service.scheduler import Every, JobSpec
from bot.service.submit_handler import SubmitHandler
from bot.settings import Settings
from bot.store import Store
from bot.store.acting import DecisionRow
from bot.store.acting import TrackedChange as StoredTracked
from bot.store.records import ActionState

log = logging.getLogger(__name__)

#: builds the handlers of one run (tests inject their own); None: the real ones
HandlerFactory = Callable[["ActRun"], Mapping[ActionKind, Handler]]


@dataclass(slots=True)
class ActReport:
    """What one pass decided and did."""

    now: datetime
    dry_run: bool
    decision: Decision
    executed: Executed
    #: packages whose tracking issue was (in a dry run: would be) brought up to date
    refreshed: list[str] = field(default_factory=list)
    owners_stored: int = 0


@dataclass(slots=True)
class ActRun:
    """One pass's parts, for handler factories."""

    settings: Settings
    store: Store
    forges: Mapping[str, Forge]
    now: datetime
    work_root: Path
    tracking: TrackingIssues


async def act_once(
    *,
    settings: Settings,
    store: Store,
    forges: Mapping[str, Forge],
    now: datetime,
    work_root: Path,
    packages: Sequence[str] | None = None,
    dry_run: bool = False,
    step: StepHook = no_step,
    handlers: HandlerFactory | None = None,
) -> ActReport:
    """One pass over the tracked changes (of `packages`, when given)."""
    dry = dry_run or settings.policy.dry_run
    every = store.acting.tracked_changes()
    if not dry:
        _settle_interrupted(store, every, now=now)
    scope = [t for t in every if not packages or t.change.package in packages]
    ids = [t.change.record.id for t in scope]
    overrides = store.overrides_of(ids)
    owners, stored = await _owners(settings, forges, scope, overrides, now=now)
    if stored:
        store.acting.set_owners(stored)
    decision = _decide(settings, store, every, scope, overrides, owners, now=now)
    store.acting.replace_decisions(
        [_row(reason, dry) for reason in decision.reasons], scope=ids if packages else None,
        now=now,
    )
    notes = _notes(decision)
    tracking = TrackingIssues(
        _downstream(settings, forges), store, now=now,
        entries=lambda package: _entries(store, package, notes, owners),
    )
    run = ActRun(settings, store, forges, now, work_root, tracking)
    executor = Executor(store, (handlers or default_handlers)(run), dry_run=dry, step=step)
    executed = await executor.run(decision.actions, now=now)
    report = ActReport(now, dry, decision, executed, owners_stored=len(stored))
    if executed.outcomes:
        # the issues say what the next pass will say (reminded, and when the next step is),
        # so an unchanged package's issue is not edited again tomorrow
        every = store.acting.tracked_changes()
        scope = [t for t in every if not packages or t.change.package in packages]
        notes.clear()
        notes.update(_notes(_decide(settings, store, every, scope, overrides, owners, now=now)))
    for package in _with_tracking_issue(store, scope):
        if await tracking.refresh(package, dry_run=dry):
            report.refreshed.append(package)
    log.info("act pass done", extra={
        "dry_run": dry, "actions": len(decision.actions), "reasons": len(decision.reasons),
        "done": executed.count(ActionState.DONE), "failed": executed.count(ActionState.FAILED),
        "refreshed": len(report.refreshed),
    })
    return report


def _settle_interrupted(store: Store, every: Sequence[StoredTracked], *, now: datetime) -> None:
    """Complete the merge request actions a dead run left claimed after `submit_change` had
    recorded `submitted`: the request is there, so the policy plans nothing more for them."""
    submitted = {
        (t.change.record.id, str(s.target)): s.url
        for t in every for s in t.states if s.status is Status.SUBMITTED and s.url
    }
    for action in store.acting.done_actions(["open-change"], states=[ActionState.PLANNED]):
        payload = action.record.payload
        url = submitted.get((str(payload.get("change_id")), str(payload.get("target"))))
        if url is not None:
            store.acting.complete_action(
                action.record.key, now=now, actor="act", url=url,
                result={**payload, "settled": True},
                reason=f"found submitted ({url}) after an interrupted run",
            )


def _decide(
    settings: Settings,
    store: Store,
    every: Sequence[StoredTracked],
    scope: Sequence[StoredTracked],
    overrides: Mapping[str, list[Override]],
    owners: Mapping[str, Owner],
    *,
    now: datetime,
) -> Decision:
    history = read_history(store, every)
    cases = [
        build_case(t, overrides=overrides.get(t.change.record.id, []),
                   owner=owners.get(t.change.record.id), history=history)
        for t in scope
    ]
    return decide(cases, now=now, policy=settings.policy.as_policy(),
                  usage=history.usage(every, now=now))


def _notes(decision: Decision) -> dict[tuple[str, Target], str]:
    return {(r.change_id, r.target): r.text for r in decision.reasons}


def default_handlers(run: ActRun) -> dict[ActionKind, Handler]:
    """The real handlers: reminders on the downstream forge, merge requests through
    `submit_change`."""
    return {
        ActionKind.REMIND: ReminderHandler(run.tracking),
        ActionKind.OPEN_CHANGE: SubmitHandler(
            settings=run.settings, store=run.store, forges=run.forges,
            work_root=run.work_root, now=run.now,
        ),
    }


def act_job(
    *,
    settings: Settings,
    store: Store,
    forges: Mapping[str, Forge],
    clock: Callable[[], datetime],
    work_root: Path,
) -> Callable[[], Awaitable[ActReport]]:
    """The act pass as a scheduler job: each call is one pass at `clock()`."""

    async def run() -> ActReport:
        return await act_once(settings=settings, store=store, forges=forges, now=clock(),
                              work_root=work_root)

    return run


def act_spec(
    *,
    settings: Settings,
    store: Store,
    forges: Mapping[str, Forge],
    clock: Callable[[], datetime],
    work_root: Path,
    every: timedelta | None = None,
) -> JobSpec:
    """The act job for `build_scheduler`: a pass every `every` (default: the scan
    interval, so each scan's findings are acted on once), the first one at start."""
    return JobSpec(
        "act",
        Every(every or settings.scan.interval, at_start=True),
        act_job(settings=settings, store=store, forges=forges, clock=clock, work_root=work_root),
    )


async def _owners(
    settings: Settings,
    forges: Mapping[str, Forge],
    scope: Sequence[StoredTracked],
    overrides: Mapping[str, list[Override]],
    *,
    now: datetime,
) -> tuple[dict[str, Owner], dict[str, str | None]]:
    """Each change's owner, and the owners to store where they changed; the forges are
    asked only about changes whose owner nobody stored or configured."""
    entries = [owner.as_entry() for owner in settings.owners]
    assigned = {
        t.change.record.id: _assignment(overrides.get(t.change.record.id, []), now=now)
        for t in scope
    }
    unknown = [
        t for t in scope
        if t.change.record.owner is None and assigned[t.change.record.id] is None
        and resolve_owner(t.change.package, entries=entries) is None
    ]
    facts = await owner_facts(settings, forges, [_where(t) for t in unknown])
    owners: dict[str, Owner] = {}
    stored: dict[str, str | None] = {}
    for tracked in scope:
        record = tracked.change.record
        owner = resolve_owner(
            tracked.change.package, entries=entries, assign=assigned[record.id],
            facts=facts.get(_where(tracked)), stored=record.owner,
        )
        if owner is not None:
            owners[record.id] = owner
            if owner.key != record.owner:
                stored[record.id] = owner.key
    return owners, stored


def _assignment(overrides: Sequence[Override], *, now: datetime) -> Override | None:
    """The newest `assign` in force for any target (an owner is the change's, not a pair's)."""
    held = [found for target in Target
            if (found := current(overrides, target, now=now).get(OverrideKind.ASSIGN))]
    return max(held, key=lambda o: o.at) if held else None


def _where(tracked: StoredTracked) -> tuple[str, str, str]:
    record = tracked.change.record
    path = record.evidence.get("file")
    return tracked.change.package, tracked.change.branch, str(path or record.name)


def _entries(
    store: Store,
    package: str,
    notes: Mapping[tuple[str, Target], str],
    owners: Mapping[str, Owner],
) -> list[TrackedChange]:
    """The tracking issue's entries as the store has them now."""
    entries = []
    for tracked in store.acting.tracked_changes(packages=[package]):
        record = tracked.change.record
        owner = owners.get(record.id)
        lines = tuple(
            TargetLine(state.target, _text(state.evidence.get("target_branch")), state.status,
                       notes.get((record.id, state.target), state.reason or ""), state.url)
            for state in tracked.states
        )
        entries.append(TrackedChange(
            record.id, tracked.change.branch, record.name, record.kind, tracked.change.first_seen,
            owner.label() if owner else record.owner, lines,
        ))
    return entries


def _with_tracking_issue(store: Store, scope: Sequence[StoredTracked]) -> list[str]:
    """Packages in scope whose tracking issue the action log knows (a reminder of this pass
    logged the issues it opened)."""
    packages = {t.change.package for t in scope}
    known = {
        str(a.record.payload.get("package"))
        for a in store.acting.done_actions(["tracking-issue"])
    }
    return sorted(packages & known)


def _downstream(settings: Settings, forges: Mapping[str, Forge]) -> Downstream:
    forge = settings.downstream_forge
    return Downstream(
        forge=forges[forge.name], namespace=forge.namespace or "rpms", username=forge.username,
        distribution=settings.distribution.name, prefix=settings.distribution.marker_prefix,
    )


def _row(reason: Reason, dry_run: bool) -> DecisionRow:
    return DecisionRow(reason.change_id, reason.target, str(reason.why), reason.text,
                       reason.until, reason.action_key, dry_run)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None

