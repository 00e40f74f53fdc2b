"""Which replica runs the scheduled jobs: the one holding a PostgreSQL advisory lock.

On PostgreSQL every replica runs an `AdvisoryLeadership`. It opens one connection of its
own (never one from the work pool: a pooled connection goes back to the pool, and the lock
with it) and asks `pg_try_advisory_lock` every `Timing.retry` seconds until it gets the
lock; then it is the leader and `on_gain` starts the jobs. The leader checks every
`Timing.check` seconds that its connection still holds the lock; a failed or slow check
means the lock may be gone, so `on_lose(Loss.CONNECTION_LOST)` stops the jobs at once. When
a leader dies its connection closes and PostgreSQL drops the lock, and the next standby to
ask gets it. The server is told to probe an idle connection with TCP keepalives, so a
leader whose host vanished loses the lock within about half a minute, well after it has
stepped down itself (its own check fails within `check + timeout`).

On SQLite only one replica may run at all: `open_leadership` takes an exclusive lock on a
file beside the database and refuses a second process with an error naming the first.

A composition runs it beside the `Shutdown` of `bot/service/lifecycle.py`::

    leadership = open_leadership(url, on_gain=start_jobs, on_lose=stop_jobs)
    task = asyncio.create_task(leadership.run())

    async def release() -> None:
        leadership.stop()
        await task

    shutdown.on_release("leadership", release)

The jobs in flight are the Shutdown's to drain (they run inside `Shutdown.work()`), so by
the time `release` runs `on_lose(Loss.STOPPED)` has nothing left to wait for and returns
at once; `Loss.CONNECTION_LOST` asks it to cancel running jobs without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import URL

from bot.service.replica_lock import ReplicaLock, ReplicaLockError
from bot.store import mask_url, parse_url
from bot.store.errors import scrub

if TYPE_CHECKING:
    from psycopg import AsyncConnection

log = logging.getLogger(__name__)

#: The scheduler's lock: "upstrsch" in ASCII. Locks belong to one database, so deployments
#: in different databases never meet; two in one database (different schemas) need two keys.
SCHEDULER_LOCK_KEY = 0x7570737472736368

#: What the server is told about the leader's connection: probe it after 10 s of silence,
#: every 5 s, and give up after 3 unanswered probes.
_SET_KEEPALIVES = (
    "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3"
)
_CLIENT_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
                      "keepalives_count": 3}
_HOLDS = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid = %s AND objid = %s AND objsubid = 1)"
)


class Loss(StrEnum):
    """Why a leader stopped leading; `on_lose` hears it."""

    #: `stop()` was called (SIGTERM): the jobs may finish within their grace time.
    STOPPED = "stopped"
    #: the lock's connection failed or stalled: another replica may lead soon, stop at once.
    CONNECTION_LOST = "connection-lost"


OnGain = Callable[[], Awaitable[None]]
OnLose = Callable[[Loss], Awaitable[None]]


class LeadershipError(RuntimeError):
    """This replica may not run: another one already holds the SQLite database."""


class Leadership(Protocol):
    """Runs `on_gain` when this replica becomes the leader and `on_lose` when it stops being
    one; `run()` returns after `stop()`, once the lock is released."""

    @property
    def is_leader(self) -> bool: ...

    async def run(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds: how often a standby asks for the lock and the leader checks it, and how long
    a connect or a statement may take before the connection counts as dead."""

    retry: float = 3.0
    check: float = 2.0
    timeout: float = 5.0


def open_leadership(
    url: str | URL,
    *,
    on_gain: OnGain,
    on_lose: OnLose,
    key: int = SCHEDULER_LOCK_KEY,
    timing: Timing = Timing(),
) -> Leadership:
    """The election for the database at `url`. On SQLite the replica lock is taken here, so
    a second replica fails before it starts anything (`LeadershipError`)."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        lock = None
        if parsed.database not in (None, "", ":memory:"):
            try:
                lock = ReplicaLock.acquire(f"{parsed.database}.lock")
            except ReplicaLockError as error:
                raise LeadershipError(
                    f"{error}; SQLite allows one replica: stop the other one, or use "
                    "PostgreSQL (UPSTREAM_BOT_DATABASE_URL) to run several"
                ) from None
        return SingleReplica(lock, on_gain=on_gain, on_lose=on_lose)
    return AdvisoryLeadership(parsed, on_gain=on_gain, on_lose=on_lose, key=key, timing=timing)


class SingleReplica:
    """SQLite: the only replica leads from `run()` until `stop()`, then frees its lock."""

    def __init__(self, lock: ReplicaLock | None, *, on_gain: OnGain, on_lose: OnLose) -> None:
        self._lock = lock
        self._on_gain = on_gain
        self._on_lose = on_lose
        self._stopping = asyncio.Event()
        self._leader = False

    @property
    def is_leader(self) -> bool:
        return self._leader

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        try:
            self._leader = True
            await self._on_gain()
            await self._stopping.wait()
        finally:
            if self._leader:
                self._leader = False
                await self._on_lose(Loss.STOPPED)
            if self._lock is not None:
                self._lock.release()


class _Lost(Exception):
    """The leader's connection answers but no longer holds the lock."""


class AdvisoryLeadership:
    """PostgreSQL: a session advisory lock on a dedicated connection (see the module doc)."""

    def __init__(
        self, url: URL, *, on_gain: OnGain, on_lose: OnLose, key: int, timing: Timing
    ) -> None:
        self._url = url
        self._on_gain = on_gain
        self._on_lose = on_lose
        self._key = key
        self._timing = timing
        # psycopg is the optional `postgres` extra: needed only once PostgreSQL is configured
        import psycopg

        self._psycopg = psycopg
        self._failures: tuple[type[Exception], ...] = (OSError, TimeoutError, _Lost, psycopg.Error)
        self._stopping = asyncio.Event()
        self._leader = False

    @property
    def is_leader(self) -> bool:
        return self._leader

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Stand by, lead, lose and stand by again until `stop()`; a connection that fails is
        replaced after `Timing.retry` seconds. An error from `on_gain` ends `run` with it,
        after `on_lose(Loss.STOPPED)` and with the lock released."""
        while not self._stopping.is_set():
            connection = await self._connect()
            if connection is None:
                await self._pause(self._timing.retry)
                continue
            try:
                await self._elect(connection)
            finally:
                try:
                    # a no-op unless on_gain failed or run() was cancelled while leading
                    await self._step_down(Loss.STOPPED)
                finally:
                    await self._close(connection)

    async def _elect(self, connection: AsyncConnection[Any]) -> None:
        """One connection's life: stand by until the lock is ours, lead until `stop()` or
        until the connection fails."""
        try:
            while not await self._ask(connection, "SELECT pg_try_advisory_lock(%s)", self._key):
                if await self._pause(self._timing.retry):
                    return
        except self._failures as error:
            await self._failed(error)
            return
        self._leader = True
        log.info("leadership gained", extra={"lock_key": self._key})
        await self._on_gain()
        try:
            while not await self._pause(self._timing.check):
                if not await self._ask(connection, _HOLDS, *_lock_ids(self._key)):
                    raise _Lost("the advisory lock is no longer held")
        except self._failures as error:
            await self._failed(error)
            return
        await self._step_down(Loss.STOPPED)
        try:
            await self._ask(connection, "SELECT pg_advisory_unlock(%s)", self._key)
        except self._failures:
            # closing the connection releases the lock as well
            log.debug("unlocking failed; the connection's close releases the lock", exc_info=True)
        log.info("leadership released", extra={"lock_key": self._key})

    async def _failed(self, error: BaseException) -> None:
        log.warning(
            "leadership connection failed",
            extra={"leader": self._leader, "error": self._describe(error)},
        )
        await self._step_down(Loss.CONNECTION_LOST)
        await self._pause(self._timing.retry)

    async def _step_down(self, loss: Loss) -> None:
        if self._leader:
            self._leader = False
            log.warning("leadership lost", extra={"lock_key": self._key, "loss": str(loss)})
            await self._on_lose(loss)

    async def _pause(self, seconds: float) -> bool:
        """Wait `seconds` or until `stop()`; True when stopping."""
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _ask(self, connection: AsyncConnection[Any], sql: str, *params: int) -> bool:
        async def ask() -> bool:
            cursor = await connection.execute(sql, params)
            row = await cursor.fetchone()
            return bool(row and row[0])

        return await asyncio.wait_for(ask(), self._timing.timeout)

    async def _connect(self) -> AsyncConnection[Any] | None:
        connection = None
        try:
            connection = await asyncio.wait_for(
                self._psycopg.AsyncConnection.connect(**connect_params(self._url)),
                self._timing.timeout,
            )
            await asyncio.wait_for(connection.execute(_SET_KEEPALIVES), self._timing.timeout)
        except self._failures as error:
            log.warning(
                "cannot open the leadership connection",
                extra={"database": mask_url(self._url), "error": self._describe(error)},
            )
            if connection is not None:
                await self._close(connection)
            return None
        return connection

    async def _close(self, connection: AsyncConnection[Any]) -> None:
        try:
            await asyncio.wait_for(connection.close(), self._timing.timeout)
        except self._failures:
            log.debug("closing the leadership connection failed", exc_info=True)

    def _describe(self, error: BaseException) -> str:
        text = str(error).strip().splitlines()
        return scrub(text[0] if text else type(error).__name__, self._url)


def connect_params(url: URL) -> dict[str, Any]:
    """psycopg's connection arguments for `url`, as the store's engine would use them, named
    so that `pg_stat_activity` shows which host and process holds the lock."""
    dialect = url.get_dialect()()
    _args, params = dialect.create_connect_args(url)
    params.setdefault("connect_timeout", 10)
    params.update(_CLIENT_KEEPALIVES)
    params["autocommit"] = True
    params["application_name"] = f"upstream-bot leader {socket.gethostname()}:{os.getpid()}"[:63]
    return params


def _lock_ids(key: int) -> tuple[int, int]:
    """How pg_locks shows a bigint advisory key: high and low 32 bits, as unsigned oids."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    return unsigned >> 32, unsigned & 0xFFFF_FFFF
