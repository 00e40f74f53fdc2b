"""bot/service/dead_leases.py: the inbox leases of a process gone from this host end at once;
those of live processes, and of processes on other hosts, are left to run out."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.service.dead_leases import RECLAIM, end_dead_inbox_leases, reclaim_job
from bot.service.lease_owner import owner_id
from bot.service.scheduler import Every
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import InboxEvent

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LEASE = timedelta(minutes=10)


async def test_only_the_leases_of_a_dead_process_on_this_host_end(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    store = Store(session_factory(engine))
    host = owner_id().partition(":")[0]
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout.strip()
    living = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    owners = {
        "dead": f"{host}:{finished}:aaaa:inbox-0",
        "alive": f"{host}:{living.pid}:bbbb:inbox-1",
        "elsewhere": f"another-host:{finished}:cccc:inbox-0",
    }
    try:
        store.inbox.enqueue(
            [InboxEvent(forge="gitea", event_key=name, event_type="comment", payload={})
             for name in owners],
            now=NOW,
        )
        for owner in owners.values():
            store.inbox.claim(owner=owner, now=NOW, lease=LEASE, limit=1, max_attempts=6)

        later = NOW + timedelta(seconds=1)
        assert await end_dead_inbox_leases(store, now=later) == 1
        retaken = store.inbox.claim(owner="w", now=later, lease=LEASE, limit=5, max_attempts=6)
        assert len(retaken) == 1 and retaken[0].attempts == 2
        assert store.inbox.lease_owners() == sorted([owners["alive"], owners["elsewhere"], "w"])
        assert await end_dead_inbox_leases(store, now=later) == 0
    finally:
        living.kill()
        living.wait()
        engine.dispose()


def test_the_job_runs_at_start_and_then_every_interval(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    spec = reclaim_job(Store(session_factory(engine)), clock=lambda: NOW,
                       every=timedelta(seconds=20))
    assert spec.id == RECLAIM
    assert spec.trigger == Every(timedelta(seconds=20), at_start=True)
    engine.dispose()
