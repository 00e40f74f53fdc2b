"""Holds back what the policy wants beyond the caps, oldest and most urgent changes first.

Windows slide: "2 merge requests per hour" means no hour, wherever it starts, sees a third.
What this run does counts as done `now`. A held action gets a reason naming the cap and,
when one is known, the time its window frees a slot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.model import Kind, Target
from bot.domain.policy_model import ActionKind, PlannedAction, Reason, Why
from bot.domain.policy_rules import Caps

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)
#: What the action log must cover for `Usage`: the longest window.
LONGEST_WINDOW = WEEK


@dataclass(frozen=True, slots=True)
class Usage:
    """What the bot already did, from the action log."""

    #: the bot's merge requests still open, per target
    open_submissions: Mapping[Target, int] = field(default_factory=dict)
    #: when the bot opened its merge requests (at least the last day's)
    submissions: tuple[datetime, ...] = ()
    #: per owner key: when the bot reminded them, one entry per change (at least a week's)
    reminders: Mapping[str, tuple[datetime, ...]] = field(default_factory=dict)


def priority(action: PlannedAction) -> tuple[int, datetime, str, str]:
    """Security fixes first, then the oldest changes; ties broken by id, so every run (and
    a dry run) picks the same ones."""
    return (0 if action.change_kind is Kind.SECURITY else 1, action.first_seen,
            action.change_id, str(action.target))


def apply_caps(
    actions: Iterable[PlannedAction], *, usage: Usage, caps: Caps, now: datetime
) -> tuple[list[PlannedAction], list[Reason]]:
    """The actions within the caps (in priority order), and a reason for each one held."""
    kept: list[PlannedAction] = []
    held: list[Reason] = []
    opened: Counter[Target] = Counter()
    submissions = 0
    reminders: Counter[str] = Counter()
    for action in sorted(actions, key=priority):
        if action.kind is ActionKind.OPEN_CHANGE:
            verdict = _submission_cap(action, usage, caps, now, opened, submissions)
        else:
            verdict = _reminder_cap(action, usage, caps, now, reminders)
        if verdict is not None:
            why, text, until = verdict
            held.append(Reason(action.change_id, action.target, why, text, until, action.key))
            continue
        kept.append(action)
        if action.kind is ActionKind.OPEN_CHANGE:
            opened[action.target] += 1
            submissions += 1
        else:
            reminders[action.owner_key] += 1
    return kept, held


Verdict = tuple[Why, str, datetime | None] | None


def _submission_cap(
    action: PlannedAction,
    usage: Usage,
    caps: Caps,
    now: datetime,
    opened: Counter[Target],
    this_run: int,
) -> Verdict:
    target = action.target
    open_now = usage.open_submissions.get(target, 0) + opened[target]
    if open_now >= caps.open_submissions_per_target:
        return (Why.CAP_OPEN_SUBMISSIONS,
                f"waits: {open_now} of the bot's merge requests to {target} are open "
                f"(cap {caps.open_submissions_per_target})", None)
    for why, window, cap, label in (
        (Why.CAP_SUBMISSIONS_PER_HOUR, HOUR, caps.submissions_per_hour, "hour"),
        (Why.CAP_SUBMISSIONS_PER_DAY, DAY, caps.submissions_per_day, "day"),
    ):
        full, free_at = _window(usage.submissions, this_run, window=window, cap=cap, now=now)
        if full:
            return (why, f"waits: cap of {cap} new merge requests per {label} reached"
                    + _next(free_at), free_at)
    if this_run >= caps.submissions_per_run:
        return (Why.CAP_SUBMISSIONS_PER_RUN,
                f"waits: cap of {caps.submissions_per_run} new merge requests per run reached; "
                "next run", None)
    return None


def _reminder_cap(
    action: PlannedAction,
    usage: Usage,
    caps: Caps,
    now: datetime,
    reminders: Counter[str],
) -> Verdict:
    owner = action.owner_key
    cap = caps.reminders_per_owner_per_week
    full, free_at = _window(usage.reminders.get(owner, ()), reminders[owner], window=WEEK,
                            cap=cap, now=now)
    if full:
        return (Why.CAP_REMINDERS_PER_OWNER,
                f"waits: cap of {cap} reminders per week for {owner} reached" + _next(free_at),
                free_at)
    if sum(reminders.values()) >= caps.reminders_per_run:
        return (Why.CAP_REMINDERS_PER_RUN,
                f"waits: cap of {caps.reminders_per_run} reminders per run reached; next run",
                None)
    return None


def _window(
    done: Sequence[datetime], this_run: int, *, window: timedelta, cap: int, now: datetime
) -> tuple[bool, datetime | None]:
    """Whether the window ending `now` is full, and when it frees a slot (None for a cap
    of 0, which never does)."""
    if cap <= 0:
        return True, None
    inside = sorted(t for t in done if now - window < t <= now) + [now] * this_run
    if len(inside) < cap:
        return False, None
    return True, inside[len(inside) - cap] + window


def _next(free_at: datetime | None) -> str:
    return f"; next slot {free_at:%Y-%m-%d %H:%M} UTC" if free_at else "; the cap is 0"
