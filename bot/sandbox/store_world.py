"""A realistic store without any forge: packages, branches, changes with kinds and owners,
each (change, target) pair's status history over a number of weeks, weekly scan runs with
their snapshots, the bot's actions and a few dead inbox events, plus hostile strings where
forge users write (patch names, reasons, errors).

For digests, the dashboard and their benchmarks; the same seed gives the same store. Rows
go in with one bulk load, so 10,000 changes take seconds.
"""

from __future__ import annotations

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
from bot.sandbox.store_world_history import WorldPair, histories, scans
from bot.store import Store
from bot.store.records import ActionState, InboxState, ScanStatus

#: Written where forge users write: the digest and the dashboard must show them inertly.
HOSTILE_NAMES = (
    '<script>alert("patch")</script>.patch',
    'fix-"quoted"-&-<b>bold</b>.patch',
    "0042-fix.patch\r\nBcc: victim@example.org",
    "javascript:alert(1)//.patch",
)
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
    pairs: list[WorldPair] = []
    places = rng.choices(branches, weights=weights, k=changes)
    for number, (package, branch) in enumerate(places):
        owner = _owner(rng, people, main_owner[package])
        pairs.extend(_change(rows, rng, number, package, branch, owner, start, now))
    transitions = histories(rows, pairs, rng, now)
    scans(rows, pairs, start, now, weeks)
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
) -> list[WorldPair]:
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
    return [WorldPair(change_id, package, branch, kind, owner, target, first_seen)
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


def _actions(rows: dict[str, list[dict[str, Any]]], pairs: list[WorldPair]) -> None:
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
