"""bot/runtime.py, in process: which jobs the leader runs, that each is a unit of work a stop
waits for (none starts once the stop began), and how leadership starts and stops them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.runtime import Replica, ServeOptions
from bot.service.leader import Loss
from bot.service.lease_owner import owner_id
from bot.service.telemetry import Telemetry
from bot.settings import load_settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import InboxEvent

ROOT = Path(__file__).resolve().parent.parent
LEADER_JOBS = {"scan", "mr-sync", "act", "reclaim-leases", "weekly-digest",
               "weekly-digest-catch-up"}


def _replica(tmp_path: Path) -> Replica:
    settings = load_settings(ROOT / "config/sandbox.toml", environ={})
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    return Replica(settings, Store(session_factory(engine)), {}, telemetry=Telemetry(),
                   clock=lambda: datetime.now(UTC),
                   options=ServeOptions(work_root=tmp_path / "work"))


async def test_gaining_leadership_schedules_every_job_and_losing_it_stops_them(
    tmp_path: Path,
) -> None:
    replica = _replica(tmp_path)
    assert {spec.id for spec in replica.leader_jobs()} == LEADER_JOBS
    await replica.gain()
    scheduler = replica.leading
    assert scheduler is not None and scheduler.running
    assert {job.id for job in scheduler.get_jobs()} <= LEADER_JOBS
    await replica.lose(Loss.CONNECTION_LOST)
    assert replica.leading is None and not scheduler.running
    await replica.local.stop()


async def test_once_the_stop_began_no_job_starts_and_leadership_starts_nothing(
    tmp_path: Path,
) -> None:
    replica = _replica(tmp_path)
    store = replica.store
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    dead = f"{owner_id().partition(':')[0]}:{gone}:abcd:inbox-0"
    store.inbox.enqueue([InboxEvent(forge="gitea", event_key="k", event_type="comment",
                                    payload={})], now=datetime.now(UTC))
    store.inbox.claim(owner=dead, now=datetime.now(UTC), lease=timedelta(minutes=10), limit=1,
                      max_attempts=6)
    reclaim = {spec.id: spec for spec in replica.leader_jobs()}["reclaim-leases"]

    def claimable() -> int:
        return len(store.inbox.claim(owner="w", now=datetime.now(UTC),
                                     lease=timedelta(minutes=10), limit=1, max_attempts=6))

    replica.shutdown.request("test")
    await asyncio.wait_for(reclaim.run(), 5)
    assert claimable() == 0  # refused as a unit of work: the dead lease still holds
    await replica.gain()
    assert replica.leading is None

    running = Replica(replica.settings, store, {}, telemetry=Telemetry(), clock=replica.clock,
                      options=replica.options)
    await {spec.id: spec for spec in running.leader_jobs()}["reclaim-leases"].run()
    assert claimable() == 1


def test_the_stop_bound_adds_every_step_to_the_grace() -> None:
    options = ServeOptions(grace=10.0, step_timeout=2.0)
    # two steps stop accepting, two release, one waits for the cancelled work
    assert options.stop_bound == 10.0 + 5 * 2.0
