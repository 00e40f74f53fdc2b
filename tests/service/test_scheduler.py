"""BotScheduler on a real AsyncIOScheduler and event loop: failures keep the schedule, one
instance at a time, coalesced one-off runs, graceful stop. Waits are for events, with
timeouts; nothing asserts how long anything took."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobEvent

from bot.service.logs import current_context
from bot.service.scheduler import (
    BotScheduler,
    Cron,
    Every,
    JobSpec,
    Once,
    build_scheduler,
)

TICK = timedelta(milliseconds=20)
WAIT = 10.0


@pytest.fixture
async def stopped() -> AsyncIterator[list[BotScheduler]]:
    """Schedulers a test built; stopped at the end whatever happened."""
    built: list[BotScheduler] = []
    yield built
    for scheduler in built:
        await scheduler.stop(grace=timedelta(seconds=1))


async def test_a_failing_run_is_counted_and_the_next_run_still_happens(
    stopped: list[BotScheduler],
) -> None:
    calls: list[str | None] = []
    second = asyncio.Event()

    async def flaky() -> None:
        calls.append(current_context().get("job_id"))
        if len(calls) == 1:
            raise RuntimeError("the forge is down")
        second.set()

    scheduler = build_scheduler([JobSpec("flaky", Every(TICK, at_start=True), flaky)])
    stopped.append(scheduler)
    scheduler.start()
    await asyncio.wait_for(second.wait(), WAIT)
    assert scheduler.failures["flaky"] == 1
    assert calls[:2] == ["flaky", "flaky"]
    assert "job_id" not in current_context()


async def test_a_long_run_is_not_started_twice(stopped: list[BotScheduler]) -> None:
    started = 0
    release = asyncio.Event()
    skipped = asyncio.Event()
    again = asyncio.Event()

    async def long_scan() -> None:
        nonlocal started
        started += 1
        if started > 1:
            again.set()
            return
        await release.wait()

    def on_skip(event: JobEvent) -> None:
        if event.job_id == "scan":
            skipped.set()

    scheduler = build_scheduler([JobSpec("scan", Every(TICK, at_start=True), long_scan)])
    stopped.append(scheduler)
    scheduler.add_listener(on_skip, EVENT_JOB_MAX_INSTANCES)
    scheduler.start()
    await asyncio.wait_for(skipped.wait(), WAIT)
    assert started == 1
    assert scheduler.running_jobs() == ["scan"]
    release.set()
    await asyncio.wait_for(again.wait(), WAIT)
    assert started == 2


async def test_run_soon_coalesces_requests_into_one_run(stopped: list[BotScheduler]) -> None:
    runs = 0
    done = asyncio.Event()

    async def refresh() -> None:
        nonlocal runs
        runs += 1
        done.set()

    scheduler = build_scheduler([])
    stopped.append(scheduler)
    scheduler.start()
    asked = [scheduler.run_soon("refresh", refresh, delay=TICK * 5) for _ in range(3)]
    assert asked == [True, False, False]
    await asyncio.wait_for(done.wait(), WAIT)
    # the one-off job is gone once it ran: a later request schedules a new run
    while scheduler.get_job("refresh") is not None:
        await asyncio.sleep(TICK.total_seconds())
    assert runs == 1
    done.clear()
    assert scheduler.run_soon("refresh", refresh, delay=TICK)
    await asyncio.wait_for(done.wait(), WAIT)
    assert runs == 2


async def test_stop_lets_a_short_run_finish_and_cancels_a_long_one() -> None:
    began = {"short": asyncio.Event(), "long": asyncio.Event()}
    finished: list[str] = []
    cancelled: list[str] = []

    def job(name: str, hold: asyncio.Event) -> JobSpec:
        async def run() -> None:
            began[name].set()
            try:
                await hold.wait()
            except asyncio.CancelledError:
                cancelled.append(name)
                raise
            finished.append(name)

        return JobSpec(name, Every(timedelta(hours=1), at_start=True), run)

    short_hold, never = asyncio.Event(), asyncio.Event()
    scheduler = build_scheduler([job("short", short_hold), job("long", never)])
    scheduler.start()
    await asyncio.wait_for(began["short"].wait(), WAIT)
    await asyncio.wait_for(began["long"].wait(), WAIT)
    asyncio.get_running_loop().call_soon(short_hold.set)
    await scheduler.stop(grace=timedelta(milliseconds=300))
    assert finished == ["short"]
    assert cancelled == ["long"]
    assert not scheduler.running
    assert scheduler.running_jobs() == []
    await scheduler.stop()  # a second stop is harmless


async def test_jobs_are_coalesced_single_instance_with_a_grace_time(
    stopped: list[BotScheduler],
) -> None:
    async def nothing() -> None:
        return None

    scheduler = build_scheduler(
        [
            JobSpec("scan", Every(timedelta(hours=6)), nothing, jitter=timedelta(minutes=5),
                    misfire_grace_time=timedelta(hours=6)),
            JobSpec("digest", Cron(day_of_week="mon", hour="8", timezone="Europe/Prague"),
                    nothing),
            JobSpec("once", Once(datetime(2030, 1, 1, tzinfo=UTC)), nothing),
        ]
    )
    stopped.append(scheduler)
    scheduler.start()
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == ["digest", "once", "scan"]
    assert all(job.coalesce and job.max_instances == 1 for job in jobs.values())
    assert jobs["scan"].misfire_grace_time == 6 * 3600
    assert jobs["digest"].misfire_grace_time == 3600
    assert jobs["scan"].trigger.jitter == 300
    assert jobs["digest"].next_run_time.weekday() == 0
    assert jobs["digest"].next_run_time.hour == 8


def test_a_duplicate_id_or_a_naive_time_is_refused() -> None:
    async def nothing() -> None:
        return None

    with pytest.raises(ValueError, match="'scan' is already scheduled"):
        build_scheduler([JobSpec("scan", Every(TICK), nothing)] * 2)
    with pytest.raises(ValueError, match="naive time"):
        build_scheduler([JobSpec("x", Once(datetime(2030, 1, 1)), nothing)])
    with pytest.raises(ValueError, match="non-positive interval"):
        build_scheduler([JobSpec("x", Every(timedelta(0)), nothing)])
