"""A small, deterministic store for dashboard, API and view tests, written through the real
Store: packages, branches, changes with status histories over several scans, snapshots,
actions, inbox events and commands. ``hostile=True`` puts markup where forge users write.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.domain.model import ChangeType, DeclaredStatus, Kind, Operation, Status, Target
from bot.store import Store
from bot.store.models import AuditEntry
from bot.store.records import (
    ActionRecord,
    ActionState,
    BranchRecord,
    ChangeRecord,
    InboxEvent,
    PackageRecord,
    ScanStatus,
    SnapshotCounts,
)

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SCRIPT = '<script>alert("x")</script>'
KINDS = (Kind.BUGFIX, Kind.BRANDING, Kind.SECURITY, Kind.BACKPORT, Kind.BUILD)
#: How each change's first target moves over the six scans (index = change number % 4).
PATHS = (
    (Status.PENDING,),
    (Status.PENDING, Status.SUBMITTED),
    (Status.PENDING, Status.SUBMITTED, Status.MERGED),
    (Status.PRESENT,),
)
SCANS = 6


@dataclass
class Seeded:
    """What was written, for tests to compare the pages with."""

    packages: list[str]
    changes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id → pkg, br, name
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)  # (target, status)
    transitions: Counter[str] = field(default_factory=Counter)  # change id → count
    owners: Counter[str] = field(default_factory=Counter)  # owner → changes
    hostile_change: str | None = None
    trend: list[Counter[str]] = field(default_factory=list)

    def by_status(self) -> Counter[str]:
        totals: Counter[str] = Counter()
        for (_, status), n in self.pairs.items():
            totals[status] += n
        return totals


def seed_dashboard(
    store: Store, engine: Engine, *, packages: int = 6, hostile: bool = False, now: datetime = NOW
) -> Seeded:
    """Write ``packages`` packages (two branches, three changes each) scanned ``SCANS`` times
    a week apart, ending at ``now``."""
    names = [f"pkg-{i:02d}" for i in range(packages)]
    seeded = Seeded(names)
    current: dict[tuple[str, Target], Status] = {}
    plan = _plan(names, hostile)
    for scan in range(SCANS):
        at = now - timedelta(weeks=SCANS - 1 - scan)
        run = store.start_scan_run(now=at)
        for package in names:
            store.upsert_package(PackageRecord(package, f"rpms/{package}"), now=at)
            for branch in ("a10s", "a9"):
                store.upsert_branch(
                    BranchRecord(package, branch, branch.replace("a", "c"),
                                 scan_status=ScanStatus.OK),
                    now=at,
                )
                store.record_changes(package, branch, plan[(package, branch)], now=at)
        for records in plan.values():
            for record in records:
                seeded.changes[record.id] = (record.id, "", record.name)
                _advance(store, record, scan, at, current, seeded)
        counts = Counter(str(status) for status in current.values())
        seeded.trend.append(counts)
        store.add_snapshot(
            SnapshotCounts(dict(counts), {}, {}, {}, {}, {}), now=at, scan_run_id=run
        )
        store.finish_scan_run(run, status=ScanStatus.OK, now=at + timedelta(minutes=3),
                              packages_scanned=packages, changes_seen=len(seeded.changes))
    for (package, branch), records in plan.items():
        for record in records:
            seeded.changes[record.id] = (package, branch, record.name)
            seeded.owners[record.owner or "-"] += 1
    for (_, target), status in current.items():
        seeded.pairs[(str(target), str(status))] += 1
    _operations(store, engine, names, plan, hostile, now, seeded)
    return seeded


def _plan(names: list[str], hostile: bool) -> dict[tuple[str, str], list[ChangeRecord]]:
    plan: dict[tuple[str, str], list[ChangeRecord]] = {}
    number = 0
    for p, package in enumerate(names):
        for branch in ("a10s", "a9"):
            records = []
            for c in range(3):
                kind = KINDS[number % len(KINDS)]
                name = f"{package}-fix-{c}.patch"
                if hostile and number == 0:
                    name = f"{SCRIPT}.patch"
                records.append(ChangeRecord(
                    id=f"{package}-{branch}-{c}".replace("-", "")[:16].ljust(16, "0"),
                    type=ChangeType.PATCH if c < 2 else ChangeType.SPEC_EDIT,
                    operation=Operation.ADDED,
                    name=name,
                    content_id=f"content-{p}-{c}",
                    kind=kind,
                    upstreamable=kind is not Kind.BRANDING,
                    declared_status=DeclaredStatus.PENDING,
                    declared_raw=f"Upstream-Status: Pending {SCRIPT}" if hostile else None,
                    evidence={"subject": f"Fix {SCRIPT}" if hostile else f"Fix {name}"},
                    owner=None if number % 5 == 4 else f"owner{number % 3}",
                ))
                number += 1
            plan[(package, branch)] = records
    return plan


def _advance(
    store: Store, record: ChangeRecord, scan: int, at: datetime,
    current: dict[tuple[str, Target], Status], seeded: Seeded,
) -> None:
    number = int.from_bytes(record.id.encode()) % 97
    targets = (Target.CENTOS_STREAM, Target.FEDORA) if record.type is ChangeType.PATCH else (
        Target.CENTOS_STREAM,)
    for t, target in enumerate(targets):
        if record.kind is Kind.BRANDING:
            status, reason = Status.NOT_NEEDED, "branding stays downstream"
        else:
            path = PATHS[(number + t) % len(PATHS)]
            status = path[min(scan // 2, len(path) - 1)]
            reason = f"{status} since scan {min(scan // 2, len(path) - 1)}"
            if SCRIPT in record.name:
                reason = f"{reason} {SCRIPT}"
        url = (f"https://git.example.org/{target}/{record.id}/merge_requests/1"
               if status in (Status.SUBMITTED, Status.MERGED) else None)
        if store.set_target_status(record.id, target, status, reason=reason,
                                   evidence={"subject": record.evidence["subject"]},
                                   now=at, actor="scan", url=url):
            seeded.transitions[record.id] += 1
        current[(record.id, target)] = status


def _operations(
    store: Store, engine: Engine, names: list[str],
    plan: dict[tuple[str, str], list[ChangeRecord]], hostile: bool, now: datetime,
    seeded: Seeded,
) -> None:
    first = plan[(names[0], "a10s")]
    hostile_record = first[0]
    seeded.hostile_change = hostile_record.id if hostile else None
    for package in names:
        key = f"tracking-issue:{package}"
        store.record_action(ActionRecord(key, "tracking-issue", payload={"package": package}),
                            now=now - timedelta(days=2))
        store.finish_action(key, state=ActionState.DONE, now=now - timedelta(days=2),
                            url=f"https://git.example.org/rpms/{package}/issues/1")
    change = hostile_record
    mr = f"https://git.example.org/centos-stream/{change.id}/merge_requests/9"
    key = f"open-change:{change.id}:centos-stream:c10s"
    store.record_action(
        ActionRecord(key, "open-change", target="centos-stream",
                     payload={"subject": f"Fix {SCRIPT}" if hostile else "Fix"},
                     reason=f"policy allows {SCRIPT}" if hostile else "policy allows"),
        now=now - timedelta(days=1),
    )
    store.finish_action(key, state=ActionState.DONE, now=now - timedelta(hours=20), url=mr)
    key = f"remind:{change.id}:owner1"
    store.record_action(ActionRecord(key, "remind"), now=now - timedelta(hours=5))
    store.finish_action(key, state=ActionState.FAILED, now=now - timedelta(hours=5),
                        reason=f"forge said no {SCRIPT}" if hostile else "forge said no")
    store.enqueue_inbox(InboxEvent("gitea", "gitea:comment:1", "comment", {"body": "x"},
                                   delivery_id="d-1"), now=now - timedelta(minutes=30))
    issue = f"https://git.example.org/rpms/{names[0]}/issues/1"
    with Session(engine) as session, session.begin():
        session.add(AuditEntry(
            actor="packager<b>", location=f"{issue}#issuecomment-7",
            command=f"/upstream skip {SCRIPT}" if hostile else "/upstream skip debranding",
            outcome=f"skipped {SCRIPT}" if hostile else "skipped", at=now - timedelta(hours=3),
        ))
        session.add(AuditEntry(
            actor="reviewer", location=f"{mr}#note_1",
            command=f"/upstream jira RHEL-1 {SCRIPT}" if hostile else "/upstream jira RHEL-1",
            outcome="ticket recorded", at=now - timedelta(hours=2),
        ))
