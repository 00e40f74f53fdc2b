"""What the policy needs to know about each tracked change, read from the store: its
statuses, overrides and owner, and the action log's history (reminders, the bot's merge
requests, refused submissions) with what the caps have used."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.model import Status, Target
from bot.domain.overrides import Override
from bot.domain.owners import Owner
from bot.domain.policy import Case, Standing, Usage
from bot.domain.policy_caps import DAY, WEEK
from bot.store import Store
from bot.store.acting import TrackedChange
from bot.store.records import ActionState

PairKey = tuple[str, Target]


@dataclass(slots=True)
class History:
    """The action log, read once per run."""

    reminded: dict[PairKey, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    #: (package, target) where the bot already has (or had) a merge request
    known_repos: set[tuple[str, Target]] = field(default_factory=set)
    #: pair -> why the bot could not submit it
    refused: dict[PairKey, str] = field(default_factory=dict)
    submissions: list[datetime] = field(default_factory=list)
    #: pair -> the key of the bot's merge request for it
    opened: dict[PairKey, str] = field(default_factory=dict)
    reminders_by_owner: dict[str, list[datetime]] = field(
        default_factory=lambda: defaultdict(list))

    def usage(self, every: Sequence[TrackedChange], *, now: datetime) -> Usage:
        still_open: dict[Target, set[str]] = defaultdict(set)
        for tracked in every:
            for state in tracked.states:
                key = self.opened.get((tracked.change.record.id, state.target))
                if key is not None and state.status is Status.SUBMITTED:
                    still_open[state.target].add(key)
        return Usage(
            open_submissions={target: len(keys) for target, keys in still_open.items()},
            submissions=tuple(t for t in self.submissions if t > now - DAY),
            reminders={owner: tuple(t for t in times if t > now - WEEK)
                       for owner, times in self.reminders_by_owner.items()},
        )


def read_history(store: Store, every: Sequence[TrackedChange]) -> History:
    history = History()
    for action in store.acting.done_actions(["remind"]):
        pair = _pair(action.record.payload)
        if pair is not None:
            history.reminded[pair].append(action.updated_at)
        payload = action.record.payload
        owner = payload.get("owner") or f"package:{payload.get('package')}"
        history.reminders_by_owner[str(owner)].append(action.updated_at)
    for action in store.acting.done_actions(["open-change"]):
        pair = _pair(action.record.payload)
        package = action.record.payload.get("package")
        if pair is not None:
            history.opened[pair] = action.record.key
            if isinstance(package, str):
                history.known_repos.add((package, pair[1]))
        history.submissions.append(action.created_at)
    for action in store.acting.done_actions(["open-change"], states=[ActionState.SKIPPED]):
        pair = _pair(action.record.payload)
        if pair is not None and action.record.reason:
            history.refused[pair] = action.record.reason
    for tracked in every:
        for state in tracked.states:
            if state.status is Status.SUBMITTED and state.evidence.get("matched_by") == "marker":
                history.known_repos.add((tracked.change.package, state.target))
    for times in history.reminded.values():
        times.sort()
    return history


def build_case(
    tracked: TrackedChange,
    *,
    overrides: Sequence[Override],
    owner: Owner | None,
    history: History,
) -> Case:
    change, record = tracked.change, tracked.change.record
    analysis_id = str(record.evidence.get("analysis_id") or record.id)
    standings = tuple(
        Standing(s.target, s.status, _branch(s.evidence), s.url) for s in tracked.states
    )
    return Case(
        change_id=record.id,
        analysis_id=analysis_id,
        package=change.package,
        branch=change.branch,
        name=record.name,
        kind=record.kind,
        first_seen=change.first_seen,
        targets=standings,
        subject=_subject(record.evidence),
        overrides=tuple(overrides),
        owner=owner,
        reminded={t: tuple(history.reminded.get((record.id, t), ())) for t in Target},
        known_repos=frozenset(t for t in Target if (change.package, t) in history.known_repos),
        refused={t: why for t in Target if (why := history.refused.get((record.id, t)))},
    )


def _pair(payload: Mapping[str, object]) -> PairKey | None:
    change_id, target = payload.get("change_id"), payload.get("target")
    if not isinstance(change_id, str) or not isinstance(target, str):
        return None
    try:
        return change_id, Target(target)
    except ValueError:
        return None


def _branch(evidence: Mapping[str, object]) -> str | None:
    branch = evidence.get("target_branch")
    return branch if isinstance(branch, str) and branch else None


def _subject(evidence: Mapping[str, object]) -> str | None:
    why = evidence.get("why")
    return " ".join(str(w) for w in why) if isinstance(why, list) else None
