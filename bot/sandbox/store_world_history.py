"""The history half of the store world: each (change, target) pair's story of transitions up
to `now` and its current row, and the scan runs with the snapshots they would have stored."""

from __future__ import annotations

import bisect
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.domain.model import NOT_UPSTREAMABLE_KINDS, Kind
from bot.domain.model import Status as S
from bot.domain.model import Target as T
from bot.store.records import ScanStatus

HOSTILE_REASON = 'closed: <img src=x onerror=alert("reason")> not for us'
_AGE_BUCKETS = ((7, "<1w"), (30, "<1m"), (90, "<3m"), (365, "<1y"))
_FORGES = {
    T.CENTOS_STREAM: "http://127.0.0.1:3001/redhat/centos-stream/rpms/{package}/-/merge_requests/{n}",
    T.FEDORA: "http://127.0.0.1:3002/rpms/{package}/pull-request/{n}",
    T.PROJECT: "http://127.0.0.1:3003/upstream/{package}/pull/{n}",
}
_ACTOR = "store-world"


@dataclass(slots=True)
class WorldPair:
    """One (change, target) pair and the story generated for it."""

    change_id: str
    package: str
    branch: str
    kind: Kind
    owner: str | None
    target: T
    first_seen: datetime
    events: list[tuple[datetime, S, str | None]] = field(default_factory=list)
    url: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    until: datetime | None = None


def histories(
    rows: dict[str, list[dict[str, Any]]],
    pairs: list[WorldPair],
    rng: random.Random,
    now: datetime,
) -> int:
    """Each pair's transitions (never after `now`), then its current row."""
    count = 0
    for number, pair in enumerate(pairs):
        _story(pair, rng, number, now)
        previous: S | None = None
        for at, status, reason in pair.events:
            rows["status_transitions"].append({
                "change_id": pair.change_id, "target": pair.target, "from_status": previous,
                "to_status": status, "reason": reason, "evidence": {}, "at": at,
                "actor": _ACTOR,
            })
            previous = status
            count += 1
        last_at, status, reason = pair.events[-1]
        evidence = dict(pair.evidence)
        if status is S.PENDING:
            evidence["age_days"] = max((now - pair.first_seen).days, 0)
        rows["change_targets"].append({
            "change_id": pair.change_id, "target": pair.target, "status": status,
            "reason": reason, "evidence": evidence, "url": pair.url, "until": pair.until,
            "updated_at": last_at,
        })
    return count


def _story(pair: WorldPair, rng: random.Random, number: int, now: datetime) -> None:
    def at(days: float) -> datetime | None:
        moment = pair.events[-1][0] + timedelta(days=days, hours=rng.uniform(0, 20))
        return moment if moment < now else None

    pair.events.append((pair.first_seen, S.PENDING, None))
    if pair.kind in NOT_UPSTREAMABLE_KINDS:
        pair.events[-1] = (pair.first_seen, S.NOT_NEEDED, f"{pair.kind}: not upstreamable")
        return
    if rng.random() < 0.15:
        pair.events[-1] = (pair.first_seen, S.PRESENT, f"already in {pair.target}")
        return
    if rng.random() < 0.45 and (moment := at(rng.uniform(14, 40))):
        pair.events.append((moment, S.REMINDED, "owner reminded on the tracking issue"))
    if rng.random() < 0.03 and (moment := at(rng.uniform(1, 20))):
        pair.until = moment + timedelta(days=30)
        pair.events.append((moment, S.SNOOZED, "snoozed by the owner for 30 days"))
        return
    if rng.random() < 0.45 and (moment := at(rng.uniform(5, 90))):
        pair.url = _FORGES[pair.target].format(package=pair.package, n=100 + number)
        pair.events.append((moment, S.SUBMITTED, f"open change request {pair.url}"))
        roll = rng.random()
        if roll < 0.5 and (moment := at(rng.uniform(3, 50))):
            pair.events.append((moment, S.MERGED, "merged upstream"))
        elif roll < 0.6 and (moment := at(rng.uniform(3, 50))):
            reason = HOSTILE_REASON if number % 7 == 0 else "closed: fixed differently upstream"
            pair.events.append((moment, S.REJECTED, reason))
        elif pair.target is T.CENTOS_STREAM and roll < 0.8:
            pair.evidence = {"draft": True, "url": pair.url}
        return


def scans(
    rows: dict[str, list[dict[str, Any]]], pairs: list[WorldPair], start: datetime, now: datetime,
    weeks: int,
) -> None:
    """A scan run every Monday morning and Thursday, each with its snapshot of the counts."""
    history = [([at for at, _, _ in p.events], [status for _, status, _ in p.events])
               for p in pairs]
    moments = []
    for week in range(weeks + 1):
        monday = start + timedelta(weeks=week)
        moments += [monday + timedelta(hours=2), monday + timedelta(days=3, hours=2)]
    run_id = 0
    for index, moment in enumerate(m for m in moments if m < now):
        run_id += 1
        failed = index % 11 == 5
        partial = not failed and index % 5 == 3
        status = ScanStatus.FAILED if failed else ScanStatus.PARTIAL if partial else ScanStatus.OK
        rows["scan_runs"].append({
            "id": run_id, "started_at": moment, "finished_at": moment + timedelta(minutes=40),
            "status": status, "packages_scanned": 0 if failed else len(pairs) // 3,
            "changes_seen": 0 if failed else len(pairs) // 2,
            "error": "gitea: 503 Service Unavailable on /api/v1/orgs/rpms/repos" if failed
            else "libcache-0003: ReadTimeout after 30s" if partial else None,
        })
        if failed:
            continue
        rows["scan_snapshots"].append(
            {"scan_run_id": run_id, "taken_at": moment + timedelta(minutes=40),
             **_counts(pairs, history, moment)}
        )


def _counts(
    pairs: list[WorldPair], history: list[tuple[list[datetime], list[S]]], moment: datetime
) -> dict[str, dict[str, int]]:
    by_status: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    by_target: Counter[str] = Counter()
    by_branch: Counter[str] = Counter()
    by_age: Counter[str] = Counter()
    for pair, (times, statuses) in zip(pairs, history, strict=True):
        index = bisect.bisect_right(times, moment) - 1
        if index < 0:
            continue
        status = statuses[index]
        by_status[str(status)] += 1
        by_kind[str(pair.kind)] += 1
        by_target[str(pair.target)] += 1
        by_branch[pair.branch] += 1
        if status is S.PENDING:
            days = (moment - pair.first_seen).days
            by_age[next((label for limit, label in _AGE_BUCKETS if days < limit), ">=1y")] += 1
    return {"by_status": dict(by_status), "by_kind": dict(by_kind),
            "by_target": dict(by_target), "by_branch": dict(by_branch), "by_owner": {},
            "by_age": dict(by_age)}
