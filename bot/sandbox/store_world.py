"""A realistic store without any forge: packages, branches, changes with kinds and owners,
each (change, target) pair's status history over a number of weeks, weekly scan runs with
their snapshots, the bot's actions and a few dead inbox events, plus hostile strings where
forge users write (patch names, reasons, errors).

For digests, the dashboard and their benchmarks; the same seed gives the same store. Rows
go in with one bulk load, so 10,000 changes take seconds.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.domain.change import scoped_id
from bot.domain.model import NOT_UPSTREAMABLE_KINDS, ChangeType, DeclaredStatus, Kind, Operation
from bot.domain.model import Status as S
from bot.domain.model import Target as T
from bot.store import Store
from bot.store.records import ActionState, InboxState, ScanStatus

#: Written where forge users write: the digest and the dashboard must show them inertly.
HOSTILE_NAMES = (
    '<script>alert("patch")</script>.patch',
    'fix-"quoted"-&-<b>bold</b>.patch',
    "0042-fix.patch\r\nBcc: victim@example.org",
    "javascript:alert(1)//.patch",
)
HOSTILE_REASON = 'closed: <img src=x onerror=alert("reason")> not for us'
BRANCHES = {"a8": "c8", "a9": "c9", "a10": "c10", "a10s": "c10s"}
TARGET_BRANCHES = {
    "a8": {T.FEDORA: "rawhide"},
    "a9": {T.CENTOS_STREAM: "c9s", T.FEDORA: "rawhide"},
    "a10": {T.CENTOS_STREAM: "c10s", T.FEDORA: "rawhide"},
    "a10s": {T.CENTOS_STREAM: "c10s", T.FEDORA: "rawhide"},
}
REAL_PACKAGES = (
    "bash", "grub2", "shim", "kernel", "glibc", "systemd", "openssl", "dnf", "libdnf",
    "anaconda", "firefox", "thunderbird", "httpd", "nginx", "python3.12", "perl", "gcc",
    "binutils", "rpm", "yum", "NetworkManager", "gnome-settings-daemon", "plymouth",
    "redhat-rpm-config", "sos", "cloud-init", "dracut", "fwupd", "mokutil", "pesign",
    "libreport", "abrt", "subscription-manager", "centos-logos", "initial-setup", "cockpit",
    "podman", "buildah", "openssh", "sudo", "selinux-policy", "tuned", "chrony", "lvm2",
)
FIRST = ("mira", "jonas", "priya", "tomas", "lena", "ada", "kofi", "yuki", "rafael", "hana",
         "peter", "carla", "victor", "noor", "ivan", "sofia", "omar", "ines", "li", "eva")
LAST = ("castell", "ekberg", "raman", "varga", "okafor", "bright", "mensah", "tanabe",
        "duarte", "novak", "lind", "mendes", "hale", "haddad", "petrov", "rossi", "farah",
        "silva", "wei", "berg")
_KINDS = (
    (Kind.BRANDING, 18), (Kind.BUGFIX, 26), (Kind.BACKPORT, 14), (Kind.SECURITY, 8),
    (Kind.ARCH_ENABLEMENT, 8), (Kind.FEATURE_REENABLE, 5), (Kind.BUILD, 8),
    (Kind.SIGNING, 4), (Kind.BOOKKEEPING, 9),
)
_NOUNS = ("overflow", "buffer", "locale", "timeout", "parser", "socket", "cache", "config",
          "path", "cert", "sbat", "logo", "release", "x86_64_v2", "ppc64le", "btrfs")
_VERBS = ("fix", "handle", "allow", "drop", "restore", "backport", "enable", "disable")
_AGE_BUCKETS = ((7, "<1w"), (30, "<1m"), (90, "<3m"), (365, "<1y"))
_FORGES = {
    T.CENTOS_STREAM: "http://127.0.0.1:3001/redhat/centos-stream/rpms/{package}/-/merge_requests/{n}",
    T.FEDORA: "http://127.0.0.1:3002/rpms/{package}/pull-request/{n}",
    T.PROJECT: "http://127.0.0.1:3003/upstream/{package}/pull/{n}",
}
_ACTOR = "store-world"


@dataclass(frozen=True, slots=True)
class WorldOwner:
    username: str
    email: str


@dataclass(slots=True)
class StoreWorld:
    """What `fill_store` wrote."""

    owners: tuple[WorldOwner, ...]
    packages: tuple[str, ...]
    changes: int
    pairs: int
    transitions: int
    rows: int
    now: datetime
    hostile_names: tuple[str, ...] = HOSTILE_NAMES
    by_status: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class _Pair:
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


def fill_store(
    store: Store,
    *,
    packages: int,
    changes: int,
    owners: int,
    weeks: int,
    seed: int,
    now: datetime,
) -> StoreWorld:
    """Write a world of `changes` changes over `packages` packages owned by `owners` people,
    with `weeks` weeks of history ending at `now`, into an empty `store`."""
    if min(packages, owners, weeks) < 1 or changes < 0:
        raise ValueError("fill_store: packages, owners and weeks must be >= 1, changes >= 0")
    rng = random.Random(seed)  # noqa: S311 - a reproducible world
    people = _owners(owners)
    names = _package_names(packages, rng)
    start = now - timedelta(weeks=weeks)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in (
        "packages", "branches", "changes", "change_targets", "status_transitions",
        "scan_runs", "scan_snapshots", "actions", "inbox",
    )}
    branches = _packages_and_branches(rows, names, rng, now)
    main_owner = {name: rng.choice(people).username for name in names}
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(branches))]
    pairs: list[_Pair] = []
    places = rng.choices(branches, weights=weights, k=changes)
    for number, (package, branch) in enumerate(places):
        owner = _owner(rng, people, main_owner[package])
        pairs.extend(_change(rows, rng, number, package, branch, owner, start, now))
    transitions = _histories(rows, pairs, rng, now)
    _scans(rows, pairs, start, now, weeks)
    _actions(rows, pairs)
    _inbox(rows, rng, now)
    written = store.load_rows(rows)
    by_status = Counter(str(p.events[-1][1]) for p in pairs)
    return StoreWorld(
        owners=tuple(people), packages=tuple(names), changes=changes, pairs=len(pairs),
        transitions=transitions, rows=written, now=now, by_status=by_status,
    )


def _owners(count: int) -> list[WorldOwner]:
    found: list[WorldOwner] = []
    taken: set[str] = set()
    for index in range(count):
        first, last = FIRST[index % len(FIRST)], LAST[(index // len(FIRST)) % len(LAST)]
        username = first if index < len(FIRST) else f"{first[0]}{last}"
        candidate, number = username, 1
        while candidate in taken:
            number += 1
            candidate = f"{username}{number}"
        taken.add(candidate)
        found.append(WorldOwner(candidate, f"{candidate}@example.org"))
    return found


def _package_names(count: int, rng: random.Random) -> list[str]:
    names = list(REAL_PACKAGES[:count])
    number = 0
    while len(names) < count:
        number += 1
        names.append(f"lib{rng.choice(_NOUNS).replace('_', '')}-{number:04d}")
    return names


def _packages_and_branches(
    rows: dict[str, list[dict[str, Any]]], names: Sequence[str], rng: random.Random,
    now: datetime,
) -> list[tuple[str, str]]:
    found = []
    for name in names:
        stale = rng.random() < 0.01
        rows["packages"].append({
            "name": name, "repo": f"rpms/{name}", "updated_at": now - timedelta(days=3),
            "etag": None, "stale": stale, "checked_at": now,
            "last_error": "Unavailable: 503 from git.almalinux.org after 4 tries" if stale
            else None,
        })
        for branch in rng.sample(sorted(BRANCHES), k=rng.choice((1, 2, 2, 3))):
            rows["branches"].append({
                "package": name, "name": branch, "base": BRANCHES[branch], "head": None,
                "scan_status": ScanStatus.OK, "scan_error": None, "scanned_at": now,
            })
            found.append((name, branch))
    return found


def _owner(rng: random.Random, people: Sequence[WorldOwner], main: str) -> str | None:
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.15:
        return rng.choice(people).username
    return main


def _change(
    rows: dict[str, list[dict[str, Any]]], rng: random.Random, number: int, package: str,
    branch: str, owner: str | None, start: datetime, now: datetime,
) -> list[_Pair]:
    kind = rng.choices([k for k, _ in _KINDS], weights=[w for _, w in _KINDS])[0]
    change_type = ChangeType.PATCH if rng.random() < 0.7 else ChangeType.SPEC_EDIT
    name = _name(rng, number, kind, change_type)
    change_id = scoped_id(package, branch, f"world-{number}")
    # most changes predate the history's window; some arrive during it
    span = (now - start).total_seconds()
    back = rng.uniform(-0.3, 3.0) * span if rng.random() < 0.8 else rng.uniform(0, 1) * span
    first_seen = min(now - timedelta(hours=1), start + timedelta(seconds=span - back))
    rows["changes"].append({
        "id": change_id, "package": package, "branch": branch, "type": change_type,
        "operation": Operation.ADDED, "name": name, "kind": kind,
        "upstreamable": kind not in NOT_UPSTREAMABLE_KINDS,
        "declared_status": DeclaredStatus.NONE, "declared_raw": None, "patch_id": None,
        "content_id": f"world-content-{number}", "evidence": {"generated": True},
        "missing_file": False, "first_seen": first_seen, "last_seen": now, "gone_at": None,
        "superseded_by": None, "owner": owner,
    })
    targets = list(TARGET_BRANCHES[branch])
    if change_type is ChangeType.PATCH:
        targets.append(T.PROJECT)
    return [_Pair(change_id, package, branch, kind, owner, target, first_seen)
            for target in targets]


def _name(rng: random.Random, number: int, kind: Kind, change_type: ChangeType) -> str:
    if rng.random() < 0.004:
        return HOSTILE_NAMES[number % len(HOSTILE_NAMES)]
    noun = rng.choice(_NOUNS)
    if change_type is ChangeType.SPEC_EDIT:
        return f"spec: {kind} edit of %{{{noun}}} ({number})"
    prefix = {Kind.BRANDING: "almalinux-branding", Kind.SIGNING: "almalinux-sb-certs",
              Kind.SECURITY: "CVE-2026"}.get(kind, rng.choice(_VERBS))
    return f"{1000 + number % 9000:04d}-{prefix}-{noun}-{number}.patch"


def _histories(
    rows: dict[str, list[dict[str, Any]]], pairs: list[_Pair], rng: random.Random, now: datetime,
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


def _story(pair: _Pair, rng: random.Random, number: int, now: datetime) -> None:
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


def _scans(
    rows: dict[str, list[dict[str, Any]]], pairs: list[_Pair], start: datetime, now: datetime,
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
    pairs: list[_Pair], history: list[tuple[list[datetime], list[S]]], moment: datetime
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


def _actions(rows: dict[str, list[dict[str, Any]]], pairs: list[_Pair]) -> None:
    tracked: dict[str, datetime] = {}
    for pair in pairs:
        statuses = [status for _, status, _ in pair.events]
        if S.REMINDED in statuses:
            at = next(at for at, status, _ in pair.events if status is S.REMINDED)
            tracked[pair.package] = min(at, tracked.get(pair.package, at))
        if pair.url is not None:
            at = next(at for at, status, _ in pair.events if status is S.SUBMITTED)
            rows["actions"].append(_action(
                f"open-change:{pair.change_id}:{pair.target}", "open-change", str(pair.target),
                {"package": pair.package, "branch": pair.branch}, pair.url, at,
            ))
    for number, (package, at) in enumerate(sorted(tracked.items())):
        url = f"http://127.0.0.1:3000/rpms/{package}/issues/{number % 40 + 1}"
        rows["actions"].append(_action(f"tracking-issue:{package}", "tracking-issue", None,
                                       {"package": package}, url, at))


def _action(key: str, kind: str, target: str | None, payload: dict[str, Any], url: str,
            at: datetime) -> dict[str, Any]:
    return {"key": key, "type": kind, "target": target, "payload": payload,
            "state": ActionState.DONE, "url": url, "result": {}, "reason": None,
            "dry_run": False, "created_at": at, "updated_at": at}


def _inbox(rows: dict[str, list[dict[str, Any]]], rng: random.Random, now: datetime) -> None:
    for number in range(12):
        dead = number % 4 == 0
        at = now - timedelta(days=rng.uniform(0, 20))
        rows["inbox"].append({
            "forge": ("gitea", "gitlab", "pagure", "github")[number % 4],
            "delivery_id": f"world-{number}", "event_key": f"world-event-{number}",
            "event_type": "comment", "payload": {"body": "/upstream status"},
            "received_at": at, "state": InboxState.DEAD if dead else InboxState.DONE,
            "attempts": 5 if dead else 1, "next_attempt_at": None,
            "last_error": '<script>alert("inbox")</script> handler failed: KeyError' if dead
            else None,
            "lease_owner": None, "lease_expires_at": None,
        })
