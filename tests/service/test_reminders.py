"""What the digest reads of the reminders: the reminders done since a moment, with owner,
change, target, round and where they were posted (dry runs and unfinished ones left out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.service.reminders import ReminderEntry, reminders_since
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import ActionRecord, ActionState

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _remind(store: Store, key: str, payload: dict[str, object], *, at: datetime,
            done: bool = True, dry_run: bool = False) -> None:
    store.record_action(ActionRecord(key=key, type="remind", payload=payload, dry_run=dry_run),
                        now=at)
    if done:
        store.finish_action(key, state=ActionState.DONE, now=at, url=f"http://issue/{key}")


def test_reminders_since_lists_the_done_ones_for_the_digest(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    store = Store(session_factory(engine))
    base = {"change_id": "c1", "package": "bash", "target": "fedora", "round": 2}
    _remind(store, "remind:c1:fedora:1", {**base, "round": 1, "owner": "mcastell"},
            at=NOW - timedelta(days=9))
    _remind(store, "remind:c1:fedora:2", {**base, "owner": "mcastell"}, at=NOW)
    _remind(store, "remind:c2:fedora:1", {**base, "change_id": "c2", "owner": None}, at=NOW)
    _remind(store, "remind:c3:fedora:1", {**base, "change_id": "c3"}, at=NOW, done=False)
    _remind(store, "remind:c4:fedora:1", {**base, "change_id": "c4"}, at=NOW, dry_run=True)
    assert reminders_since(store, NOW - timedelta(days=7)) == [
        ReminderEntry("mcastell", "c1", "bash", "fedora", 2, NOW,
                      "http://issue/remind:c1:fedora:2"),
        ReminderEntry("package:bash", "c2", "bash", "fedora", 2, NOW,
                      "http://issue/remind:c2:fedora:1"),
    ]
    engine.dispose()
