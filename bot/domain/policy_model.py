"""The values the policy works with: a change's case, the actions it plans, the reasons it
gives, and their idempotency keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.model import Kind, Status, Target
from bot.domain.overrides import Override
from bot.domain.owners import Owner

#: Statuses where the change still waits on this target.
WAITING = frozenset({Status.PENDING, Status.REMINDED, Status.SNOOZED})
#: Statuses after which the next target in order is considered.
PASSED = frozenset(
    {Status.MERGED, Status.PRESENT, Status.NOT_NEEDED, Status.SUPERSEDED, Status.REJECTED}
)


class ActionKind(StrEnum):
    REMIND = "remind"
    OPEN_CHANGE = "open-change"


class Why(StrEnum):
    """Why a (change, target) pair gets an action, or waits."""

    REMIND = "remind"
    OPEN_CHANGE = "open-change"
    SKIPPED = "skipped"
    LINKED = "linked"
    SNOOZED = "snoozed"
    GRACE_PERIOD = "grace-period"
    CADENCE = "reminder-cadence"
    SUBMITTED = "submitted"
    EARLIER_TARGET = "earlier-target"
    ROUTED_AWAY = "routed-away"
    NEEDS_APPROVAL = "needs-approval"
    CAP_OPEN_SUBMISSIONS = "cap-open-submissions"
    CAP_SUBMISSIONS_PER_HOUR = "cap-submissions-per-hour"
    CAP_SUBMISSIONS_PER_DAY = "cap-submissions-per-day"
    CAP_SUBMISSIONS_PER_RUN = "cap-submissions-per-run"
    CAP_REMINDERS_PER_OWNER = "cap-reminders-per-owner"
    CAP_REMINDERS_PER_RUN = "cap-reminders-per-run"


@dataclass(frozen=True, slots=True)
class Standing:
    """Where the change stands in one target, as the store has it."""

    target: Target
    status: Status
    #: the target's branch (None for a project's default branch)
    branch: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """One change and everything known about it that the decision may use."""

    change_id: str
    #: the content id the bot's markers and merge request keys use (same on every branch)
    analysis_id: str
    package: str
    branch: str
    name: str
    kind: Kind | None
    first_seen: datetime
    targets: tuple[Standing, ...]
    subject: str | None = None
    overrides: tuple[Override, ...] = ()
    owner: Owner | None = None
    #: when the bot reminded the owner about each target, oldest first
    reminded: Mapping[Target, tuple[datetime, ...]] = field(default_factory=dict)
    #: targets whose repository for this package already got a merge request from the bot
    known_repos: frozenset[Target] = frozenset()
    #: targets where the bot could not submit the change, and why (the owner hears it)
    refused: Mapping[Target, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"{self.name}\n{self.subject or ''}"


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """A side effect the policy wants, with its idempotency key."""

    kind: ActionKind
    key: str
    change_id: str
    analysis_id: str
    package: str
    branch: str
    name: str
    target: Target
    target_branch: str | None
    reason: str
    first_seen: datetime
    change_kind: Kind | None = None
    owner: Owner | None = None
    #: the how-many-th reminder this is (reminders only)
    round: int = 0
    #: people mentioned besides the owner (an escalated reminder)
    escalate_to: tuple[str, ...] = ()
    #: the RHEL ticket someone gave with `/upstream jira`
    jira: str | None = None

    @property
    def owner_key(self) -> str:
        return self.owner.key if self.owner is not None else f"package:{self.package}"

    def payload(self) -> dict[str, Any]:
        """The JSON the action log keeps (everything a handler needs besides the store)."""
        owner = self.owner
        return {
            "kind": str(self.kind),
            "change_id": self.change_id,
            "analysis_id": self.analysis_id,
            "package": self.package,
            "branch": self.branch,
            "name": self.name,
            "target": str(self.target),
            "target_branch": self.target_branch,
            "owner": owner.key if owner else None,
            "owner_username": owner.username if owner else None,
            "owner_email": owner.email if owner else None,
            "round": self.round,
            "escalate_to": list(self.escalate_to),
            "jira": self.jira,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Reason:
    """Why one (change, target) pair gets what it gets; `until` is when that may change."""

    change_id: str
    target: Target
    why: Why
    text: str
    until: datetime | None = None
    action_key: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    actions: tuple[PlannedAction, ...]
    reasons: tuple[Reason, ...]


def remind_key(change_id: str, target: Target, round_: int) -> str:
    return f"remind:{change_id}:{target}:{round_}"


def open_change_key(analysis_id: str, target: Target, target_branch: str | None) -> str:
    """The same words as the marker the scanner looks for (`upstream_status.marker`)."""
    return f"open-change:{analysis_id}:{target}:{target_branch or ''}"
