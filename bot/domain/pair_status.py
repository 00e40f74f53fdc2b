"""What a (change, target) pair's status becomes when something new is known about it.

Two things bend what the scan finds before it is written:

- a reminder: the scan never finds `reminded` (the act pass sets it), so a scan that finds
  the pair still `pending` keeps the reminder, its reason and evidence, with the age it
  counted; any other finding (present, submitted, merged, ...) replaces it;
- the overrides in force (`bot.domain.overrides`): a skip, link or snooze softens a
  waiting status. The status it softened (its base) is kept in the evidence under
  `overridden`, so a cleared skip or an expired snooze returns the pair to that base
  without asking a forge again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.domain.model import Status, Target
from bot.domain.overrides import SOFT_STATUSES, Override, OverrideKind, apply_overrides, current
from bot.domain.upstream_status import MatchKind, StatusDecision

#: Evidence keys a finding refreshes in a reminder it keeps.
_REFRESHED = ("age_days",)
#: Evidence key holding the base an override softened.
OVERRIDDEN = "overridden"
#: Kinds of override that bend a status (jira and assign do not).
BENDING = frozenset({OverrideKind.SKIP, OverrideKind.LINK, OverrideKind.SNOOZE})


@dataclass(frozen=True, slots=True)
class PairStatus:
    """A pair's status as it is (or will be) stored."""

    status: Status
    reason: str | None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None
    until: datetime | None = None

    @property
    def by_override(self) -> bool:
        return self.evidence.get("matched_by") == MatchKind.OVERRIDE

    def base(self) -> PairStatus | None:
        """The status under an override (None when an override made this one but did not
        keep what it softened); the status itself when no override made it."""
        if not self.by_override and self.status is not Status.SNOOZED:
            return self
        kept = self.evidence.get(OVERRIDDEN)
        if not isinstance(kept, Mapping):
            return None
        try:
            status = Status(kept.get("status"))
        except ValueError:
            return None
        evidence = kept.get("evidence")
        return PairStatus(status, _text(kept.get("reason")),
                          dict(evidence) if isinstance(evidence, Mapping) else {},
                          _text(kept.get("url")))


def settle(found: PairStatus, stored: PairStatus | None) -> PairStatus:
    """The base status after a scan found `found` (overrides not applied yet): a pending
    finding keeps a stored reminder (under an override or not), its age refreshed."""
    held = stored.base() if stored is not None else None
    if found.status is not Status.PENDING or held is None or held.status is not Status.REMINDED:
        return found
    refreshed = {key: found.evidence[key] for key in _REFRESHED if key in found.evidence}
    return replace(held, evidence={**held.evidence, **refreshed})


def bend(
    base: PairStatus, overrides: Iterable[Override], *, target: Target, now: datetime
) -> PairStatus:
    """`base` as the overrides in force bend it, the base kept in the evidence; `base`
    itself when none applies (or it is not a waiting status)."""
    if base.status not in SOFT_STATUSES:
        return base
    overrides = list(overrides)
    decision = StatusDecision(base.status, base.reason or "")
    bent = apply_overrides(decision, overrides, target=target, now=now)
    if bent == decision:
        return base
    url = bent.evidence.url if bent.evidence is not None else None
    evidence: dict[str, Any] = {"matched_by": str(MatchKind.OVERRIDE)}
    if "target_branch" in base.evidence:
        evidence["target_branch"] = base.evidence["target_branch"]
    if url is not None:
        evidence["url"] = url
    evidence[OVERRIDDEN] = {"status": str(base.status), "reason": base.reason,
                            "evidence": dict(base.evidence), "url": base.url}
    until = None
    if bent.status is Status.SNOOZED:
        snooze = current(overrides, target, now=now).get(OverrideKind.SNOOZE)
        until = snooze.until if snooze is not None else None
    return PairStatus(bent.status, bent.reason, evidence, url, until)


def redecide(
    stored: PairStatus, overrides: Iterable[Override], *, target: Target, now: datetime
) -> PairStatus | None:
    """The stored pair with the overrides in force at `now` applied again (after one was
    written or cleared, or a snooze ran out); None when the pair is not a person's to
    bend (what a forge showed) or its base is not known."""
    base = stored.base()
    if base is None or base.status not in SOFT_STATUSES:
        return None
    return bend(base, overrides, target=target, now=now)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
