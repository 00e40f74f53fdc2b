"""bot/service/leader.py: leader election between real replica processes, on the real
PostgreSQL (advisory lock) and on SQLite (one replica only)."""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, text

from bot.service.leader import Loss, Timing, _lock_ids, connect_params, open_leadership
from tests.service.replicas import Replica, poll_until, replicas
from tests.store.conftest import postgres_database, postgres_url  # noqa: F401

SCRIPT = Path(__file__).with_name("leader_replica.py")


def _key() -> int:
    # negative keys too: pg_locks shows them as unsigned halves, which the check must match
    return secrets.randbits(64) - 2**63


def _url(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _holders(admin: Engine, key: int) -> list[int]:
    """The OS pids (from application_name) of the sessions holding the advisory lock."""
    high, low = _lock_ids(key)
    with admin.connect() as connection:
        names = connection.execute(
            text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :high"
                " AND l.objid = :low AND l.objsubid = 1"
            ),
            {"high": high, "low": low},
        ).scalars()
        return [int(name.rsplit(":", 1)[1]) for name in names]


def _leaders(group: list[Replica]) -> list[Replica]:
    """The replicas whose last event says they lead."""
    leading = []
    for replica in group:
        lines = replica.poll_lines()
        events = [line for line in lines if line == "gained" or line.startswith("lost")]
        if events and events[-1] == "gained":
            leading.append(replica)
    return leading


def _one_leader(group: list[Replica], admin: Engine, key: int) -> Replica:
    def settled() -> Replica | None:
        leading = _leaders(group)
        assert len(leading) <= 1, f"two leaders at once: {[r.pid for r in leading]}"
        if len(leading) == 1 and _holders(admin, key) == [leading[0].pid]:
            return leading[0]
        return None

    return poll_until(settled, what="exactly one leader holding the lock")  # type: ignore[return-value]


@pytest.mark.postgres
def test_one_leader_of_three_then_a_standby_takes_over_after_sigkill_and_sigterm(
    postgres_database: Engine,  # noqa: F811
    postgres_url: URL,  # noqa: F811
) -> None:
    key = _key()
    argv = [_url(postgres_url), str(key)]
    with replicas(SCRIPT, argv, argv, argv) as group:
        for replica in group:
            replica.wait_for("standby")
        first = _one_leader(group, postgres_database, key)
        # the standbys ask every 0.2 s; over a few dozen refusals nothing changes
        time.sleep(5)
        assert _leaders(group) == [first]
        assert _holders(postgres_database, key) == [first.pid]

        first.signal(signal.SIGKILL)
        first.wait_exit()
        rest = [replica for replica in group if replica is not first]
        second = _one_leader(rest, postgres_database, key)

        second.signal(signal.SIGTERM)
        second.wait_for("lost stopped")
        assert second.wait_exit() == 0
        assert second.lines[-1] == "exit"
        third = _one_leader([r for r in rest if r is not second], postgres_database, key)
        assert third.lines.count("gained") == 1


@pytest.mark.postgres
def test_a_leader_whose_connection_dies_stops_its_jobs_and_the_lock_moves_on(
    postgres_database: Engine,  # noqa: F811
    postgres_url: URL,  # noqa: F811
) -> None:
    key = _key()
    argv = [_url(postgres_url), str(key)]
    with replicas(SCRIPT, argv, argv) as group:
        leader = _one_leader(group, postgres_database, key)
        with postgres_database.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name LIKE :name"
                ),
                {"name": f"upstream-bot leader %:{leader.pid}"},
            )
        leader.wait_for("lost connection-lost")
        # either process may win next (the old leader reconnects), but only one
        _one_leader(group, postgres_database, key)


@pytest.mark.postgres
async def test_stop_while_standing_by_returns_without_gaining(
    postgres_database: Engine,  # noqa: F811
    postgres_url: URL,  # noqa: F811
) -> None:
    key = _key()
    argv = [_url(postgres_url), str(key)]
    events: list[str] = []

    async def gained() -> None:
        events.append("gained")

    async def lost(loss: Loss) -> None:
        events.append(f"lost {loss}")

    with replicas(SCRIPT, argv) as (holder,):
        _one_leader([holder], postgres_database, key)
        standby = open_leadership(
            postgres_url, key=key, on_gain=gained, on_lose=lost,
            timing=Timing(retry=0.1, check=0.1, timeout=5.0),
        )
        task = asyncio.create_task(standby.run())
        await asyncio.sleep(0.5)
        standby.stop()
        await asyncio.wait_for(task, 30)
        assert events == []
        assert not standby.is_leader


@pytest.mark.postgres
def test_connect_params_name_the_process_and_keep_the_url_options(postgres_url: URL) -> None:  # noqa: F811
    params = connect_params(postgres_url)
    assert params["autocommit"] is True
    assert params["options"].startswith("-csearch_path=")
    assert params["application_name"].startswith("upstream-bot leader ")
    assert params["keepalives"] == 1


@pytest.mark.postgres
@pytest.mark.parametrize("key", [1, -1, 2**63 - 1, -(2**63), 0x7570737472736368])
def test_lock_ids_are_the_unsigned_halves_postgres_shows(
    key: int,
    postgres_database: Engine,  # noqa: F811
) -> None:
    with postgres_database.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        try:
            row = connection.execute(
                text(
                    "SELECT classid::bigint, objid::bigint FROM pg_locks WHERE locktype ="
                    " 'advisory' AND pid = pg_backend_pid()"
                )
            ).one()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    assert _lock_ids(key) == (row[0], row[1])



def test_sqlite_allows_one_replica_and_names_the_one_running(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with replicas(SCRIPT, [url, "0"]) as (first,):
        first.wait_for("gained")
        with replicas(SCRIPT, [url, "0"]) as (second,):
            refusal = second.wait_for(lambda line: line.startswith("refused"))
            assert second.wait_exit() == 3
        assert f"process {first.pid} already runs on this database" in refusal
        assert "SQLite allows one replica" in refusal
        assert "bot.sqlite3.lock" in refusal
        first.signal(signal.SIGKILL)
        first.wait_exit()
        # the kernel dropped the dead process's lock: the next replica starts
        with replicas(SCRIPT, [url, "0"]) as (third,):
            third.wait_for("gained")
            third.signal(signal.SIGTERM)
            third.wait_for("lost stopped")
            assert third.wait_exit() == 0


async def test_in_memory_sqlite_leads_until_stopped() -> None:
    events: list[str] = []

    async def gained() -> None:
        events.append("gained")

    async def lost(loss: Loss) -> None:
        events.append(f"lost {loss}")

    leadership = open_leadership("sqlite://", on_gain=gained, on_lose=lost)
    task = asyncio.create_task(leadership.run())
    while not events:
        await asyncio.sleep(0.01)
    assert leadership.is_leader
    leadership.stop()
    await asyncio.wait_for(task, 30)
    assert events == ["gained", "lost stopped"]
    assert not leadership.is_leader


@pytest.mark.postgres
async def test_a_cancelled_leader_stops_its_jobs_and_frees_the_lock(
    postgres_database: Engine,  # noqa: F811
    postgres_url: URL,  # noqa: F811
) -> None:
    key = _key()
    events: list[str] = []

    async def gained() -> None:
        events.append("gained")

    async def lost(loss: Loss) -> None:
        events.append(f"lost {loss}")

    leadership = open_leadership(
        postgres_url, key=key, on_gain=gained, on_lose=lost,
        timing=Timing(retry=0.1, check=0.1, timeout=5.0),
    )
    task = asyncio.create_task(leadership.run())
    while not events:
        await asyncio.sleep(0.05)
    assert await asyncio.to_thread(_holders, postgres_database, key) != []
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert events == ["gained", "lost stopped"]
    assert await asyncio.to_thread(_holders, postgres_database, key) == []
