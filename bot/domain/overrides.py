"""What people decided about a change, and how that bends the status a scan found.

Chat-ops commands (`/upstream skip`, `snooze`, `link`, `jira`, `assign`) become
`Override`s. They only ever soften a `pending` (or `reminded`) status: what the forges
show (present, submitted, merged, rejected, not-needed) always wins over what someone
said, so a skip never hides a change that later turns up upstream, and a link never claims
a merge that did not happen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bot.domain.model import Status, Target
from bot.domain.upstream_status import MatchKind, StatusDecision, StatusEvidence


class OverrideKind(StrEnum):
    SKIP = "skip"
    SNOOZE = "snooze"
    LINK = "link"
    JIRA = "jira"
    ASSIGN = "assign"


#: Statuses a person's word may replace.
SOFT_STATUSES = frozenset({Status.PENDING, Status.REMINDED, Status.SNOOZED})


@dataclass(frozen=True, slots=True)
class Override:
    """One decision by a person: `value` is the reason (skip), the URL (link), the ticket
    (jira) or the username (assign); `target` None means every target."""

    change_id: str
    kind: OverrideKind
    value: str
    actor: str
    at: datetime
    target: Target | None = None
    until: datetime | None = None

    def applies_to(self, target: Target) -> bool:
        return self.target is None or self.target is target


def current(
    overrides: Iterable[Override], target: Target, *, now: datetime
) -> dict[OverrideKind, Override]:
    """The override in force for `target` of each kind: the latest one, a target-specific
    one before one for every target written at the same moment; expired snoozes drop out."""
    chosen: dict[OverrideKind, Override] = {}
    for override in overrides:
        if not override.applies_to(target):
            continue
        if override.until is not None and override.until <= now:
            continue
        held = chosen.get(override.kind)
        if held is None or _newer(override, held):
            chosen[override.kind] = override
    return chosen


def apply_overrides(
    decision: StatusDecision,
    overrides: Iterable[Override],
    *,
    target: Target,
    now: datetime,
) -> StatusDecision:
    """`decision` as bent by the overrides in force: skip, then link, then snooze."""
    if decision.status not in SOFT_STATUSES:
        return decision
    held = current(overrides, target, now=now)
    if skip := held.get(OverrideKind.SKIP):
        return replace(
            decision,
            status=Status.NOT_NEEDED,
            reason=f"skipped by @{skip.actor}: {skip.value}",
            evidence=StatusEvidence(MatchKind.OVERRIDE),
        )
    if link := held.get(OverrideKind.LINK):
        return replace(
            decision,
            status=Status.SUBMITTED,
            reason=f"linked by @{link.actor} to {link.value}",
            evidence=StatusEvidence(MatchKind.OVERRIDE, url=link.value),
        )
    if snooze := held.get(OverrideKind.SNOOZE):
        until = f" until {snooze.until:%Y-%m-%d %H:%M} UTC" if snooze.until else ""
        return replace(
            decision,
            status=Status.SNOOZED,
            reason=f"snoozed by @{snooze.actor}{until}",
            evidence=StatusEvidence(MatchKind.OVERRIDE),
        )
    return decision


def _newer(candidate: Override, held: Override) -> bool:
    if candidate.at != held.at:
        return candidate.at > held.at
    return candidate.target is not None and held.target is None
