"""What the weekly digests are built from: plain rows read from the store in one go.

The store fills these (bot/store/digest_queries.py); the builders in `digest*.py` only
read them, so a digest is a function of its inputs and the week.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.model import ChangeType, Kind, Status, Target


@dataclass(frozen=True, slots=True)
class PairState:
    """One (change, target) pair as it stands now, with what the digest shows of its change."""

    change_id: str
    package: str
    branch: str
    #: the patch file, spec edit or source name: written by a forge user, never trusted
    name: str
    change_type: ChangeType
    kind: Kind | None
    owner: str | None
    target: Target
    status: Status
    reason: str | None
    url: str | None
    evidence: Mapping[str, Any]
    first_seen: datetime
    gone_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StatusStep:
    """One stored transition of a pair (``from_status`` None when the pair first appeared)."""

    change_id: str
    target: Target
    from_status: Status | None
    to_status: Status
    at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SnapshotPoint:
    """The counts by status one scan stored, for the trend."""

    taken_at: datetime
    by_status: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class ScanRunPoint:
    """One scan run; ``status`` is the store's scan status (ok, partial, failed, running)."""

    id: int
    started_at: datetime
    status: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class StalePackage:
    """A package whose last scan failed: its status is the last one known."""

    name: str
    error: str | None


@dataclass(frozen=True, slots=True)
class DeadEvent:
    """An inbox event the workers gave up on."""

    forge: str
    event_type: str
    error: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class DigestInputs:
    """Everything one week's digests need, read in one transaction."""

    #: every pair whose change was not gone before the week before the digest's week began
    pairs: tuple[PairState, ...]
    #: transitions from the start of the week before the digest's week on, oldest first
    steps: tuple[StatusStep, ...]
    #: snapshots over the trend's range, oldest first
    snapshots: tuple[SnapshotPoint, ...]
    #: scan runs started in the digest's week
    scan_runs: tuple[ScanRunPoint, ...]
    stale: tuple[StalePackage, ...]
    dead_events: int = 0
    #: the newest dead events, for the health section
    dead_examples: tuple[DeadEvent, ...] = ()
    #: package -> URL of its tracking issue on the downstream forge
    tracking_issues: Mapping[str, str] = field(default_factory=dict)
