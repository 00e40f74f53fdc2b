"""When the bot's periodic jobs run: explicit `JobSpec`s on one APScheduler 3
`AsyncIOScheduler`, each coalesced, one instance at a time, still run when late within a
grace time, and a failing run logged without costing the next one.

The composition layer (`bot/app.py`, `bot/commands/`) builds the list of specs and hands it
to `build_scheduler`; nothing registers itself on import. A job is a coroutine factory: it
takes no arguments (bind what it needs with a closure or `functools.partial`) and is called
once per run.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.service.logs import log_context

log = logging.getLogger(__name__)

JobFactory = Callable[[], Awaitable[object]]

#: how late a run may start and still run: long enough that a restart or a busy event loop
#: does not skip a weekly digest, short enough that a run from yesterday is not done today
DEFAULT_MISFIRE_GRACE = timedelta(hours=1)
#: what `stop` gives running jobs to finish before it cancels them
DEFAULT_STOP_GRACE = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Every:
    """Every `interval`; the first run at start when `at_start`, else one interval later."""

    interval: timedelta
    at_start: bool = False


@dataclass(frozen=True, slots=True)
class Cron:
    """Calendar times in APScheduler's cron fields (`day_of_week="mon"`, `hour="8"`,
    `minute="30"`), in `timezone` (an IANA name) or the scheduler's."""

    day_of_week: str = "*"
    hour: str = "0"
    minute: str = "0"
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class Once:
    """One run at `at` (timezone-aware)."""

    at: datetime


Trigger = Every | Cron | Once


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One scheduled job.

    `id` names it in logs and must be unique in a scheduler; `run` is called for each run;
    `jitter` delays each run by a random share of it so that several replicas or bots do not
    hit a forge at the same second; a run that could not start on time (the process was
    down, the loop busy) still starts if it is at most `misfire_grace_time` late, and runs
    missed in a row are coalesced into one.
    """

    id: str
    trigger: Trigger
    run: JobFactory
    jitter: timedelta = timedelta(0)
    misfire_grace_time: timedelta = DEFAULT_MISFIRE_GRACE


class BotScheduler(AsyncIOScheduler):
    """An AsyncIOScheduler that runs `JobSpec`s, tracks their running tasks, and stops
    gracefully.

    A run that raises is logged with its job id and counted in `failures`; APScheduler then
    sees a finished run, so the job keeps its schedule.
    """

    def __init__(self, *, timezone: str | tzinfo) -> None:
        self.failures: Counter[str] = Counter()
        self.runs: Counter[str] = Counter()
        self._tasks: dict[asyncio.Task[object], str] = {}
        super().__init__(
            timezone=timezone,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": _seconds(DEFAULT_MISFIRE_GRACE),
            },
        )

    def add(self, spec: JobSpec) -> None:
        """Schedule `spec`; a second spec with the same id is an error."""
        if self.get_job(spec.id) is not None:
            raise ValueError(f"scheduler: a job with id {spec.id!r} is already scheduled")
        trigger, first = _trigger(spec, self.timezone)
        options: dict[str, object] = {} if first is None else {"next_run_time": first}
        self.add_job(
            self._guarded(spec.id, spec.run),
            trigger,
            id=spec.id,
            name=spec.id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=_seconds(spec.misfire_grace_time),
            **options,
        )

    def run_soon(self, job_id: str, run: JobFactory, *, delay: timedelta) -> bool:
        """One run of `run` in `delay`, unless a run under `job_id` is already waiting to
        start (then the requests coalesce into that one). True when this call scheduled it.

        A run under `job_id` that is still going does not count as waiting: the new one is
        scheduled, and would be skipped by `max_instances` if it came due before the old one
        finished, so callers that must not lose a request re-check when their run ends (see
        `scan_jobs.Refresher`).
        """
        if self.get_job(job_id) is not None:
            return False
        self.add(JobSpec(job_id, Once(datetime.now(UTC) + delay), run))
        return True

    def running_jobs(self) -> list[str]:
        """Ids of the jobs running now."""
        return sorted(self._tasks.values())

    async def stop(self, *, grace: timedelta = DEFAULT_STOP_GRACE) -> None:
        """Start no more runs, give the running ones `grace` to finish, cancel the others,
        and shut the scheduler down. Safe to call when it is not running."""
        if not self.running:
            return
        self.pause()
        tasks = set(self._tasks)
        if tasks:
            log.info("waiting for running jobs", extra={"jobs": self.running_jobs()})
            _, late = await asyncio.wait(tasks, timeout=grace.total_seconds())
            for task in late:
                log.warning("job cancelled at shutdown", extra={"job": self._tasks.get(task)})
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=grace.total_seconds())
        self.shutdown(wait=False)
        # AsyncIOScheduler shuts down in a callback on the loop: let it run.
        while self.running:
            await asyncio.sleep(0)

    def _guarded(self, job_id: str, run: JobFactory) -> Callable[[], Awaitable[None]]:
        async def guarded() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._tasks[task] = job_id
            self.runs[job_id] += 1
            started = time.monotonic()
            # every record logged during the run, by any module, carries the job's id
            with log_context(job_id=job_id):
                log.info("job started")
                try:
                    await run()
                except Exception:
                    self.failures[job_id] += 1
                    log.exception("job failed; its next run stays scheduled")
                else:
                    log.info(
                        "job finished", extra={"seconds": round(time.monotonic() - started, 3)}
                    )
                finally:
                    del self._tasks[task]

        return guarded


def build_scheduler(jobs: Iterable[JobSpec], *, timezone: str | tzinfo = "UTC") -> BotScheduler:
    """A scheduler holding `jobs` (not started: call `start()` inside the running loop, and
    `await stop()` at the end). `timezone` is where `Cron` specs without their own run."""
    scheduler = BotScheduler(timezone=timezone)
    for spec in jobs:
        scheduler.add(spec)
    return scheduler


def _trigger(spec: JobSpec, zone: tzinfo) -> tuple[BaseTrigger, datetime | None]:
    """The APScheduler trigger for `spec`, and its first run time when that is not the
    trigger's own."""
    jitter = spec.jitter.total_seconds() or None
    match spec.trigger:
        case Every(interval=interval, at_start=at_start):
            if interval <= timedelta(0):
                raise ValueError(f"scheduler: job {spec.id!r} has a non-positive interval")
            trigger = IntervalTrigger(
                seconds=interval.total_seconds(), timezone=zone, jitter=jitter
            )
            return trigger, datetime.now(zone) if at_start else None
        case Cron(day_of_week=day_of_week, hour=hour, minute=minute, timezone=own):
            return CronTrigger(
                day_of_week=day_of_week, hour=hour, minute=minute, timezone=own or zone,
                jitter=jitter,
            ), None
        case Once(at=at):
            if at.tzinfo is None:
                raise ValueError(f"scheduler: job {spec.id!r} runs at a naive time {at}")
            return DateTrigger(run_date=at, timezone=zone), None
    raise TypeError(f"scheduler: job {spec.id!r} has an unknown trigger {spec.trigger!r}")


def _seconds(span: timedelta) -> int:
    """APScheduler wants whole positive seconds."""
    return max(1, math.ceil(span.total_seconds()))
