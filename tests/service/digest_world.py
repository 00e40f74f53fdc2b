"""A small store seeded by hand for the digest job's tests, and the settings that go with it:
every case a digest must tell (pending with and without a tracking issue, submitted, a
rejected change with a hostile name and reason, a draft waiting on a ticket, branding,
an unowned change), and owners of every kind (when-needed, always, never, opted out)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.domain.digest_week import IsoWeek
from bot.domain.model import ChangeType, DeclaredStatus, Kind, Operation, Status, Target
from bot.settings import Settings, load_settings
from bot.store import Store
from bot.store.records import (
    ActionRecord,
    ActionState,
    BranchRecord,
    ChangeRecord,
    PackageRecord,
    ScanStatus,
    SnapshotCounts,
)

WEEK = IsoWeek.parse("2026-W10")  # Monday 2 March to Sunday 8 March 2026
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
HOSTILE = '<script>alert("patch")</script>.patch'
HOSTILE_REASON = 'closed: <img src=x onerror=alert("reason")> not for us'
TRACKING = "http://127.0.0.1:3000/rpms/bash/issues/1"
DRAFT = "http://127.0.0.1:3001/redhat/centos-stream/rpms/grub2/-/merge_requests/7"
FEDORA_PR = "http://127.0.0.1:3002/rpms/bash/pull-request/3"
CS, FEDORA = Target.CENTOS_STREAM, Target.FEDORA

PROJECT_LIST = "devel@lists.example.org"
SENT_TO = ["mira@example.org", "jonas@example.org", "priya@example.org", PROJECT_LIST,
           "release@example.org"]
NOT_SENT_TO = ["tomas@example.org", "lena@example.org", "olga@example.org"]


def at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=UTC)


def _change(cid: str, name: str, owner: str | None, kind: Kind = Kind.BUGFIX) -> ChangeRecord:
    return ChangeRecord(
        id=cid, type=ChangeType.PATCH, operation=Operation.ADDED, name=name,
        content_id=f"content-{cid}", kind=kind, upstreamable=kind is not Kind.BRANDING,
        declared_status=DeclaredStatus.NONE, owner=owner,
    )


def seed(store: Store) -> None:
    for package, branch, base in (("bash", "a9", "c9"), ("grub2", "a10s", "c10s")):
        store.upsert_package(PackageRecord(package, f"rpms/{package}"), now=at(1, 1))
        store.upsert_branch(BranchRecord(package, branch, base), now=at(1, 1))
    bash = [
        (at(5, 1), _change("c-old", "0001-fix-overflow.patch", "mira")),
        (at(1, 2), _change("c-sub", "0002-handle-locale.patch", "mira")),
        (at(2, 2), _change("c-none", "0003-unowned.patch", None)),
        (at(3, 2), _change("c-lena", "0004-lena.patch", "lena")),
        (at(4, 2), _change("c-olga", "0005-olga.patch", "olga")),
    ]
    grub2 = [
        (at(10, 1), _change("c-evil", HOSTILE, "jonas")),
        (at(15, 1), _change("c-draft", "0006-sbat.patch", "jonas")),
        (at(16, 1), _change("c-brand", "almalinux-branding.patch", "jonas", Kind.BRANDING)),
    ]
    for package, branch, changes in (("bash", "a9", bash), ("grub2", "a10s", grub2)):
        for count, (when, _) in enumerate(changes, start=1):
            store.record_changes(package, branch, [c for _, c in changes[:count]], now=when)

    def status(cid: str, target: Target, value: Status, when: datetime, **extra) -> None:
        store.set_target_status(cid, target, value, reason=extra.pop("reason", None),
                                evidence=extra.pop("evidence", {}), now=when, actor="test",
                                **extra)

    status("c-old", FEDORA, Status.PENDING, at(5, 1))
    status("c-old", CS, Status.PENDING, at(5, 1))
    status("c-old", CS, Status.REMINDED, at(20, 2))
    status("c-sub", FEDORA, Status.PENDING, at(1, 2))
    status("c-sub", FEDORA, Status.SUBMITTED, at(4), url=FEDORA_PR)
    status("c-none", FEDORA, Status.PENDING, at(2, 2))
    status("c-lena", FEDORA, Status.PENDING, at(3, 2))
    status("c-olga", FEDORA, Status.PENDING, at(4, 2))
    status("c-evil", CS, Status.PENDING, at(10, 1))
    status("c-evil", CS, Status.SUBMITTED, at(10, 2))
    status("c-evil", CS, Status.REJECTED, at(5), reason=HOSTILE_REASON)
    status("c-draft", CS, Status.SUBMITTED, at(15, 2), url=DRAFT, evidence={"draft": True})
    status("c-brand", CS, Status.NOT_NEEDED, at(16, 1), reason="branding")
    store.record_action(ActionRecord("tracking-issue:bash", "tracking-issue",
                                     payload={"package": "bash"}), now=at(20, 2))
    store.finish_action("tracking-issue:bash", state=ActionState.DONE, now=at(20, 2),
                        url=TRACKING)
    for day, month, result in ((23, 2, ScanStatus.OK), (3, 3, ScanStatus.FAILED),
                               (6, 3, ScanStatus.OK)):
        run = store.start_scan_run(now=at(day, month))
        store.finish_scan_run(run, status=result, now=at(day, month), packages_scanned=2,
                              changes_seen=8, error="gitea: 503" if result != "ok" else None)
        if result == ScanStatus.OK:
            store.add_snapshot(SnapshotCounts({"pending": 6, "submitted": 2, "merged": 0},
                                              {}, {}, {}, {}, {}),
                               now=at(day, month), scan_run_id=run)


def config_text(database_url: str, smtp_port: int) -> str:
    return f"""
[distribution]
name = "AlmaLinux"
release_suffix = ".alma"
guard_macro = "almalinux"

[database]
url = "{database_url}"

[forges.almalinux]
type = "gitea"
role = "downstream"
url = "http://127.0.0.1:3000"
namespace = "rpms"

[forges.centos-stream]
type = "gitlab"
role = "target"
url = "http://127.0.0.1:3001"
namespace = "redhat/centos-stream/rpms"

[targets.centos-stream]
forge = "centos-stream"
submit_branch = "upstream-bot/{{target_branch}}/{{change}}"
required_reference = "Resolves: RHEL-[0-9]+"

[[branches]]
downstream = "a9"
base = "c9"
targets = {{ centos-stream = "c9s" }}

[[branches]]
downstream = "a10s"
base = "c10s"
targets = {{ centos-stream = "c10s" }}

[digest]
from_address = "AlmaLinux upstream-bot <upstream-bot@almalinux.example.org>"
project_list = "{PROJECT_LIST}"
recipients = ["Release Engineering <release@example.org>"]
opt_out = ["olga@example.org"]
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_tls = "none"
smtp_timeout = "5s"
send_attempts = 3

[web]
public_url = "https://upstream-bot.example.org"

[owners.mira]
email = "Mira Castell <mira@example.org>"

[owners.jonas]
email = "jonas@example.org"

[owners.priya]
email = "priya@example.org"
digest = "always"

[owners.tomas]
email = "tomas@example.org"

[owners.lena]
email = "lena@example.org"
digest = "never"

[owners.olga]
email = "olga@example.org"
"""


def settings_for(folder: Path, database_url: str, smtp_port: int) -> tuple[Settings, Path]:
    path = folder / "upstream-bot.toml"
    path.write_text(config_text(database_url, smtp_port), encoding="utf-8")
    return load_settings(path, environ={}), path
