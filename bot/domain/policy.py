"""Decides what the bot does about each change still waiting upstream: remind its owner,
open the upstream merge request itself, or wait, and says why, as data.

Per change, its targets are taken in the order the policy routes it (`policy_rules`): the
first target still waiting is the one acted on, later ones wait for it; a target where the
change was merged, is present, not needed or superseded is passed over, and so is one that
rejected it. In that target, in order: a skip, a link or a snooze in force wins; then the
grace period since the change was first seen; then, when auto-submit is on and the owner
was reminded `submit_after` ago, a merge request (the first one to a repository waits for a
person's `submit` when the policy says so); otherwise a reminder every `reminder_cadence`.
The caps are applied last, over every change at once (`policy_caps`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from bot.domain.model import Status
from bot.domain.overrides import OverrideKind, current
from bot.domain.policy_caps import Usage, apply_caps
from bot.domain.policy_model import (
    PASSED,
    WAITING,
    ActionKind,
    Case,
    Decision,
    PlannedAction,
    Reason,
    Standing,
    Why,
    open_change_key,
    remind_key,
)
from bot.domain.policy_rules import Knobs, Policy, Route, knobs, route

__all__ = [
    "ActionKind",
    "Case",
    "Decision",
    "PlannedAction",
    "Policy",
    "Reason",
    "Standing",
    "Usage",
    "Why",
    "decide",
    "decide_case",
]

def decide_case(case: Case, *, now: datetime, policy: Policy) -> Decision:
    """The actions and reasons for one change, before the caps."""
    where = route(policy, package=case.package, branch=case.branch, kind=case.kind, text=case.text)
    actions: list[PlannedAction] = []
    reasons: list[Reason] = []
    by_target = {s.target: s for s in case.targets}
    ahead: Standing | None = None
    for target in where.order:
        standing = by_target.get(target)
        if standing is None or target in where.never or standing.status in PASSED:
            continue
        if ahead is not None:
            if standing.status in WAITING:
                reasons.append(_reason(case, standing, Why.EARLIER_TARGET,
                                       f"waits for {ahead.target} first ({_why_order(where)})"))
            continue
        ahead = standing
        if standing.status is Status.SUBMITTED:
            reasons.append(_reason(case, standing, Why.SUBMITTED,
                                   f"submitted to {target}: {standing.url or 'open'}"))
            continue
        if standing.status not in WAITING:
            continue
        found = _decide_target(case, standing, now=now, policy=policy)
        if isinstance(found, PlannedAction):
            actions.append(found)
            reasons.append(_reason(case, standing, Why(str(found.kind)), found.reason,
                                   key=found.key))
        else:
            reasons.append(found)
    for standing in case.targets:
        if standing.status in WAITING and standing.target not in where.order:
            reasons.append(_reason(case, standing, Why.ROUTED_AWAY,
                                   f"not sent to {standing.target}: {_why_order(where)}"))
        elif standing.status in WAITING and standing.target in where.never:
            rule = where.never_rules[standing.target]
            reasons.append(_reason(case, standing, Why.ROUTED_AWAY,
                                   f"never sent to {standing.target}: {rule}"))
    return Decision(tuple(actions), tuple(reasons))


def decide(cases: Iterable[Case], *, now: datetime, policy: Policy, usage: Usage) -> Decision:
    """What to do about every change at once: each change's own decision, then the caps,
    which hold back the actions beyond them with a reason saying which cap and until when.

    `usage` is what the bot already did in the caps' windows (from the action log).
    """
    actions: list[PlannedAction] = []
    reasons: list[Reason] = []
    for case in cases:
        decision = decide_case(case, now=now, policy=policy)
        actions.extend(decision.actions)
        reasons.extend(decision.reasons)
    kept, held = apply_caps(actions, usage=usage, caps=policy.caps, now=now)
    held_keys = {reason.action_key for reason in held}
    reasons = [r for r in reasons if r.action_key is None or r.action_key not in held_keys]
    return Decision(tuple(kept), tuple(reasons + held))


def _decide_target(
    case: Case, standing: Standing, *, now: datetime, policy: Policy
) -> PlannedAction | Reason:
    target = standing.target
    held = current(case.overrides, target, now=now)
    if skip := held.get(OverrideKind.SKIP):
        return _reason(case, standing, Why.SKIPPED, f"skipped by @{skip.actor}: {skip.value}")
    if link := held.get(OverrideKind.LINK):
        return _reason(case, standing, Why.LINKED, f"linked by @{link.actor} to {link.value}")
    if snooze := held.get(OverrideKind.SNOOZE):
        return _reason(case, standing, Why.SNOOZED, f"snoozed by @{snooze.actor}"
                       + (f" until {_day(snooze.until)}" if snooze.until else ""),
                       until=snooze.until)
    tuned = knobs(policy, target, package=case.package, branch=case.branch, kind=case.kind,
                  text=case.text)
    due = case.first_seen + tuned.grace_period
    if now < due:
        return _reason(case, standing, Why.GRACE_PERIOD,
                       f"in the grace period until {_day(due)}", until=due)
    reminded = case.reminded.get(target, ())
    jira = held[OverrideKind.JIRA].value if OverrideKind.JIRA in held else None
    submit = _submission(case, standing, reminded, tuned, now=now, policy=policy, jira=jira)
    if isinstance(submit, PlannedAction):
        return submit
    needs_approval, submit_text = submit
    if reminded and now < reminded[-1] + tuned.reminder_cadence:
        next_at = reminded[-1] + tuned.reminder_cadence
        text = f"reminded {_day(reminded[-1])}; next reminder {_day(next_at)}"
        why = Why.NEEDS_APPROVAL if needs_approval else Why.CADENCE
        return _reason(case, standing, why, f"{text}; {submit_text}", until=next_at)
    round_ = len(reminded) + 1
    escalated = policy.escalate_after > 0 and round_ > policy.escalate_after
    what = "first reminder" if round_ == 1 else f"reminder {round_}"
    if escalated:
        what += f", escalated to {', '.join('@' + p for p in policy.escalate_to) or 'nobody'}"
    return _action(case, standing, ActionKind.REMIND, remind_key(case.change_id, target, round_),
                   f"{what}; {submit_text}", round_=round_, jira=jira,
                   escalate_to=policy.escalate_to if escalated else ())


def _submission(
    case: Case,
    standing: Standing,
    reminded: Sequence[datetime],
    tuned: Knobs,
    *,
    now: datetime,
    policy: Policy,
    jira: str | None,
) -> PlannedAction | tuple[bool, str]:
    """An open-change action when it is time, else whether it waits for a person's
    approval and a sentence saying when it would come."""
    target = standing.target
    if not tuned.auto_submit:
        return False, f"auto-submit is off for {target}: `/upstream submit {target}` opens it"
    if refusal := case.refused.get(target):
        return False, f"the bot could not submit it to {target}: {refusal}"
    if not reminded:
        return False, f"auto-submit to {target} {_duration(tuned.submit_after)} after a reminder"
    at = reminded[0] + tuned.submit_after
    if now < at:
        return False, f"auto-submit to {target} on {_day(at)}"
    if policy.approve_first_submission and target not in case.known_repos:
        return True, (f"the first merge request to {target} for {case.package} needs a "
                      f"person's go: `/upstream submit {target}`")
    key = open_change_key(case.analysis_id, target, standing.branch)
    return _action(case, standing, ActionKind.OPEN_CHANGE, key,
                   f"auto-submit to {target}: reminded {_day(reminded[0])}, no answer since",
                   jira=jira)


def _action(
    case: Case,
    standing: Standing,
    kind: ActionKind,
    key: str,
    reason: str,
    *,
    round_: int = 0,
    jira: str | None = None,
    escalate_to: tuple[str, ...] = (),
) -> PlannedAction:
    return PlannedAction(
        kind=kind, key=key, change_id=case.change_id, analysis_id=case.analysis_id,
        package=case.package, branch=case.branch, name=case.name, target=standing.target,
        target_branch=standing.branch, reason=reason, first_seen=case.first_seen,
        change_kind=case.kind, owner=case.owner, round=round_, escalate_to=escalate_to,
        jira=jira,
    )


def _reason(
    case: Case,
    standing: Standing,
    why: Why,
    text: str,
    *,
    until: datetime | None = None,
    key: str | None = None,
) -> Reason:
    return Reason(case.change_id, standing.target, why, text, until, key)


def _why_order(where: Route) -> str:
    order = " then ".join(str(t) for t in where.order)
    return f"{where.order_rule} ({order})" if where.order_rule else f"default order {order}"


def _day(when: datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M} UTC"


def _duration(delta: timedelta) -> str:
    if delta.days:
        return f"{delta.days}d"
    return f"{delta.seconds // 3600}h" if delta.seconds >= 3600 else f"{delta.seconds // 60}m"
