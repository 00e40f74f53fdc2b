"""The plain values the store takes and gives back, and the states only the store's tables know.

Inputs are frozen dataclasses so callers never touch ORM rows; a ``Mapping`` field is
stored as JSON and must hold only JSON values (str, int, float, bool, None, lists, dicts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.model import ChangeType, DeclaredStatus, Kind, Operation, Status, Target

JsonObject = Mapping[str, Any]


class ScanStatus(StrEnum):
    """How the last scan of a branch, or a whole scan run, ended."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"


class WorkState(StrEnum):
    """Where a package's scan work stands; a failed one is retried after `next_attempt_at`."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"


class ActionState(StrEnum):
    """Where a side effect stands in the action log."""

    PLANNED = "planned"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class InboxState(StrEnum):
    """Where an inbox event stands; a retry is ``pending`` with a later ``next_attempt_at``."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    DEAD = "dead"


class DigestState(StrEnum):
    """Where one weekly digest email stands.

    ``claimed``: a sender holds it until its lease expires; ``sending``: the SMTP server has
    accepted the recipient and the message is being handed over, so whether it arrived is
    unknown if the sender dies now: never sent again; ``sent``: the server accepted it;
    ``failed``: the server refused it or could not be reached, so it may be claimed again.
    """

    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PackageRecord:
    """A downstream package as last seen in the forge's org listing."""

    name: str
    repo: str
    updated_at: datetime | None = None
    etag: str | None = None
    stale: bool = False
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class BranchRecord:
    """A downstream branch of a package and the base branch it is built on."""

    package: str
    name: str
    base: str
    head: str | None = None
    scan_status: ScanStatus | None = None
    scan_error: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One downstream change on one branch, as the change-analysis engine found it.

    ``id`` is content-based and unique across the whole store: the same patch on ``a9``
    and ``a10`` is two changes, each with its own upstream status per target.
    """

    id: str
    type: ChangeType
    operation: Operation
    name: str
    content_id: str
    kind: Kind | None = None
    upstreamable: bool = True
    declared_status: DeclaredStatus = DeclaredStatus.NONE
    declared_raw: str | None = None
    patch_id: str | None = None
    evidence: JsonObject = field(default_factory=dict)
    missing_file: bool = False
    superseded_by: str | None = None
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class StoredChange:
    """A change as the store keeps it: the record plus when it was seen."""

    package: str
    branch: str
    record: ChangeRecord
    first_seen: datetime
    last_seen: datetime
    gone_at: datetime | None


@dataclass(frozen=True, slots=True)
class RecordResult:
    """What ``record_changes`` did, by change id (each tuple sorted)."""

    new: tuple[str, ...]
    seen: tuple[str, ...]
    returned: tuple[str, ...]
    gone: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TargetState:
    """The current upstream status of one change for one target."""

    change_id: str
    target: Target
    status: Status
    reason: str | None
    evidence: JsonObject
    url: str | None
    until: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Transition:
    """One step in a (change, target) pair's status history; ``from_status`` is None at first."""

    change_id: str
    target: Target
    from_status: Status | None
    to_status: Status
    reason: str | None
    evidence: JsonObject
    at: datetime
    actor: str


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """A side effect the bot plans, identified by its idempotency key."""

    key: str
    type: str
    target: str | None = None
    payload: JsonObject = field(default_factory=dict)
    dry_run: bool = False
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class StoredAction:
    """An action log entry."""

    record: ActionRecord
    state: ActionState
    url: str | None
    result: JsonObject | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """A typed event waiting to be handled; ``event_key`` is its identity for deduplication."""

    forge: str
    event_key: str
    event_type: str
    payload: JsonObject
    delivery_id: str | None = None


@dataclass(frozen=True, slots=True)
class SnapshotCounts:
    """Counts of the inventory at one moment, for trends (each maps a label to a count)."""

    by_status: Mapping[str, int]
    by_kind: Mapping[str, int]
    by_target: Mapping[str, int]
    by_branch: Mapping[str, int]
    by_owner: Mapping[str, int]
    by_age: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    """A snapshot as stored."""

    id: int
    taken_at: datetime
    scan_run_id: int | None
    counts: SnapshotCounts


@dataclass(frozen=True, slots=True)
class DigestClaim:
    """The right to send one recipient's digest for one week, held until ``lease_expires_at``.

    ``message_id`` was fixed when the digest was first claimed: every attempt, by any
    sender, sends the same Message-ID.
    """

    week: str
    recipient: str
    message_id: str
    lease_owner: str
    lease_expires_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class DigestEntryRecord:
    """One row of the digest ledger."""

    week: str
    recipient: str
    state: DigestState
    message_id: str | None
    claimed_at: datetime
    sent_at: datetime | None
    attempts: int
    lease_owner: str | None
    lease_expires_at: datetime | None
    last_error: str | None
