"""bot/sandbox/store_world.py: a realistic store, the same for the same seed, consistent with
itself (statuses, history, snapshots), with hostile strings where forge users write."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.sandbox.store_world import HOSTILE_NAMES, fill_store
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.models import Action, Change, ChangeTarget, ScanSnapshot, StatusTransition

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _store(path: Path) -> Store:
    engine = open_engine(f"sqlite:///{path}")
    migrate(engine)
    return Store(session_factory(engine))


def _dump(store: Store) -> list[tuple]:
    def rows(session):
        changes = session.execute(
            select(Change.id, Change.name, Change.kind, Change.owner, Change.first_seen)
            .order_by(Change.id)
        ).all()
        pairs = session.execute(
            select(ChangeTarget.change_id, ChangeTarget.target, ChangeTarget.status,
                   ChangeTarget.url).order_by(ChangeTarget.change_id, ChangeTarget.target)
        ).all()
        return [tuple(r) for r in changes + pairs]

    return store.read("dumping", rows)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    store = _store(tmp_path_factory.mktemp("world") / "w.sqlite3")
    made = fill_store(store, packages=40, changes=1500, owners=30, weeks=12, seed=5, now=NOW)
    return store, made


def test_the_same_seed_gives_the_same_store(tmp_path: Path, world) -> None:
    store, _ = world
    again = _store(tmp_path / "again.sqlite3")
    fill_store(again, packages=40, changes=1500, owners=30, weeks=12, seed=5, now=NOW)
    other = _store(tmp_path / "other.sqlite3")
    fill_store(other, packages=40, changes=1500, owners=30, weeks=12, seed=6, now=NOW)
    assert _dump(again) == _dump(store)
    assert _dump(other) != _dump(store)


def test_every_pair_ends_where_its_history_ends(world) -> None:
    store, made = world

    def check(session):
        last = {}
        for change_id, target, to_status, at, from_status in session.execute(
            select(StatusTransition.change_id, StatusTransition.target,
                   StatusTransition.to_status, StatusTransition.at,
                   StatusTransition.from_status)
            .order_by(StatusTransition.id)
        ):
            previous = last.get((change_id, target))
            assert from_status == (previous[0] if previous else None)
            assert at <= NOW and (previous is None or previous[1] <= at)
            last[(change_id, target)] = (to_status, at)
        current = {(c, t): s for c, t, s in session.execute(
            select(ChangeTarget.change_id, ChangeTarget.target, ChangeTarget.status))}
        return last, current

    last, current = store.read("checking", check)
    assert {key: value[0] for key, value in last.items()} == current
    assert len(current) == made.pairs and sum(made.by_status.values()) == made.pairs
    assert Counter(str(s) for s in current.values()) == made.by_status


def test_the_world_has_every_kind_of_thing_a_digest_shows(world) -> None:
    store, made = world

    def look(session):
        statuses = set(session.scalars(select(ChangeTarget.status).distinct()))
        names = set(session.scalars(select(Change.name)))
        owners = set(session.scalars(select(Change.owner).distinct()))
        drafts = session.scalar(select(func.count()).select_from(ChangeTarget)
                                .where(ChangeTarget.evidence["draft"].as_boolean()))
        snapshots = session.scalars(select(ScanSnapshot.taken_at)).all()
        tracking = session.scalar(select(func.count()).select_from(Action)
                                  .where(Action.type == "tracking-issue"))
        return statuses, names, owners, drafts, snapshots, tracking

    statuses, names, owners, drafts, snapshots, tracking = store.read("looking", look)
    assert {str(s) for s in statuses} >= {
        "pending", "reminded", "submitted", "merged", "rejected", "not-needed", "present",
        "snoozed",
    }
    assert names & set(HOSTILE_NAMES)
    assert None in owners and len(owners - {None}) > 10
    assert drafts > 0 and tracking > 0
    weeks = {(t.isocalendar()[0], t.isocalendar()[1]) for t in snapshots}
    assert len(weeks) >= 12
    assert max(snapshots) <= NOW and min(snapshots) >= NOW - timedelta(weeks=13)
    assert made.owners[0].email == f"{made.owners[0].username}@example.org"
    assert len({o.username for o in made.owners}) == len(made.owners)


def test_bad_sizes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be >= 1"):
        fill_store(_store(tmp_path / "x.sqlite3"), packages=0, changes=1, owners=1, weeks=1,
                   seed=1, now=NOW)
