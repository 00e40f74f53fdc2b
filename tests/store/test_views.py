"""The dashboard's read-only queries on SQLite and PostgreSQL: filters, pages and counts
agree with what was written."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine

from bot.domain.model import Kind, Status, Target
from bot.store import Store
from bot.store.view_records import ChangeFilter, PageRequest
from bot.store.views import change_detail, list_changes
from bot.store.views_ops import health, ops_counts
from bot.store.views_overview import overview
from bot.store.views_packages import PackageOrder, list_owners, list_packages, package_detail
from tests.fakes.dashboard import SCANS, SCRIPT, seed_dashboard


def test_overview_counts_what_was_written(store: Store, store_engine: Engine) -> None:
    seeded = seed_dashboard(store, store_engine, packages=4)
    data = store.read("reading", overview)
    assert {str(k): v for k, v in data.by_status.items()} == dict(seeded.by_status())
    assert {(t, str(s)): n for t, row in data.by_target.items() for s, n in row.items()} == \
        dict(seeded.pairs)
    assert (data.packages, data.changes) == (4, len(seeded.changes))
    assert sum(data.changes_by_branch.values()) == len(seeded.changes)
    assert len(data.trend) == SCANS
    assert [p.waiting for p in data.trend] == [c["pending"] for c in seeded.trend]
    firsts = [row.first_seen for row in data.oldest_waiting]
    assert firsts == sorted(firsts)
    assert all(any(c.status in (Status.PENDING, Status.REMINDED) for c in row.targets)
               for row in data.oldest_waiting)
    waiting = [p.waiting for p in data.most_waiting]
    assert waiting == sorted(waiting, reverse=True)
    times = [item.at for item in data.activity]
    assert times == sorted(times, reverse=True)
    assert {item.what for item in data.activity} == {"status", "action", "command"}


def test_filters_combine_and_pages_cover_everything(store: Store, store_engine: Engine) -> None:
    seeded = seed_dashboard(store, store_engine, packages=4, hostile=True)

    def ids(wanted: ChangeFilter, per_page: int = 7) -> list[str]:
        first = store.read("r", lambda s: list_changes(s, wanted, PageRequest(1, per_page)))
        found = [row.id for row in first.items]
        for page in range(2, first.pages + 1):
            found += [row.id for row in store.read(
                "r", lambda s, p=page: list_changes(s, wanted, PageRequest(p, per_page))).items]
        assert len(found) == first.total == len(set(found))
        return found

    assert sorted(ids(ChangeFilter())) == sorted(seeded.changes)
    fedora = ids(ChangeFilter(status=Status.PENDING, target=Target.FEDORA))
    assert len(fedora) == seeded.pairs[("fedora", "pending")]
    bugfix = ids(ChangeFilter(kind=Kind.BUGFIX, branch="a9", package="pkg-01"))
    assert {seeded.changes[i][:2] for i in bugfix} == {("pkg-01", "a9")}
    assert len(ids(ChangeFilter(owner="-"))) == seeded.owners["-"]
    assert ids(ChangeFilter(q="<SCRIPT>")) == [seeded.hostile_change]
    assert ids(ChangeFilter(q="100%_")) == []  # LIKE wildcards are literal


def test_a_change_with_its_history_actions_and_commands(
    store: Store, store_engine: Engine
) -> None:
    seeded = seed_dashboard(store, store_engine, packages=2, hostile=True)
    change = seeded.hostile_change
    assert change is not None
    detail = store.read("r", lambda s: change_detail(s, change))
    assert detail is not None
    assert detail.row.name == f"{SCRIPT}.patch"
    assert len(detail.history) == seeded.transitions[change]
    assert [t.at for t in detail.history] == sorted(t.at for t in detail.history)
    assert {a.type for a in detail.actions} == {"open-change", "remind"}
    assert [a.command for a in detail.audit] == [f"/upstream jira RHEL-1 {SCRIPT}"]
    assert [package for _, package, _ in detail.siblings] == ["pkg-00"]
    assert store.read("r", lambda s: change_detail(s, "nope")) is None


def test_packages_owners_and_health(store: Store, store_engine: Engine) -> None:
    seeded = seed_dashboard(store, store_engine, packages=5)
    page = store.read("r", lambda s: list_packages(s, PageRequest(2, 2)))
    assert (page.total, [p.name for p in page.items]) == (5, ["pkg-02", "pkg-03"])
    ranked = store.read("r", lambda s: list_packages(s, PageRequest(1, 5),
                                                     order=PackageOrder.WAITING)).items
    assert [p.waiting for p in ranked] == sorted((p.waiting for p in ranked), reverse=True)
    assert sum(p.waiting for p in ranked) == seeded.by_status()["pending"]
    detail = store.read("r", lambda s: package_detail(s, "pkg-00", PageRequest(1, 100)))
    assert detail is not None
    assert [b.changes for b in detail.branches] == [3, 3]
    assert any(a.key == "tracking-issue:pkg-00" for a in detail.actions)
    assert not any(a.key == "tracking-issue:pkg-01" for a in detail.actions)
    assert [e.actor for e in detail.audit] == ["reviewer", "packager<b>"]
    owners = store.read("r", list_owners)
    assert Counter({o.owner or "-": o.changes for o in owners}) == seeded.owners
    report = store.read("r", lambda s: health(s, PageRequest()))
    assert len(report.scans) == SCANS and report.stale.total == 0
    assert report.inbox_by_state == {"pending": 1}
    assert [a.type for a in report.failed_actions] == ["remind"]
    counts = store.read("r", ops_counts)
    assert counts.actions[("tracking-issue", "done")] == 5
    assert counts.targets == {k: v for k, v in seeded.pairs.items()}
    assert counts.last_finished_scan is not None
