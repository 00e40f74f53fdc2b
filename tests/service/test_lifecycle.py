"""bot/service/lifecycle.py: a real process stopped by SIGTERM in the middle of its work,
and the stop's steps and bounds in process."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from bot.service.lifecycle import Shutdown, ShuttingDown
from tests.service.replicas import replicas

SCRIPT = Path(__file__).with_name("lifecycle_replica.py")


def _after(lines: list[str], first: str, then: str) -> bool:
    starts = [i for i, line in enumerate(lines) if line.startswith(first)]
    ends = [i for i, line in enumerate(lines) if line.startswith(then)]
    return bool(starts and ends) and starts[0] < ends[0]


def test_sigterm_stops_accepting_lets_the_work_finish_then_releases() -> None:
    with replicas(SCRIPT, ["120", "finish"]) as (process,):
        process.wait_for("working")
        process.signal(signal.SIGTERM)
        process.wait_for("stop accepting")
        process.send("new")
        refusal = process.wait_for(lambda line: line.startswith("refused new work"))
        process.send("finish")
        process.wait_for("finished")
        report = process.wait_for(lambda line: line.startswith("report"))
        assert process.wait_exit() == 0
    assert refusal == "refused new work: stopping (SIGTERM): no new work is taken"
    assert report == "report SIGTERM finished=1 cancelled=0 failures="
    lines = process.lines
    assert lines == [
        "working", "stop accepting", refusal, "finished", "released", report, "exit",
    ]


def test_work_still_running_after_the_grace_time_is_cancelled_before_release() -> None:
    with replicas(SCRIPT, ["0.5", "stuck"]) as (process,):
        process.wait_for("working")
        process.signal(signal.SIGTERM)
        process.wait_for("exit")
        assert process.wait_exit() == 0
    assert process.lines == [
        "working", "stop accepting", "cancelled", "released",
        "report SIGTERM finished=0 cancelled=1 failures=", "exit",
    ]


def test_a_second_signal_skips_the_grace_time() -> None:
    # the grace time (an hour) is far beyond the wait below: only the second signal ends it
    with replicas(SCRIPT, ["3600", "stuck"]) as (process,):
        process.wait_for("working")
        process.signal(signal.SIGTERM)
        process.wait_for("stop accepting")
        process.signal(signal.SIGINT)
        process.wait_for("exit")
        assert process.wait_exit() == 0
    assert _after(process.lines, "cancelled", "released")
    assert "report SIGTERM finished=0 cancelled=1 failures=" in process.lines


async def test_failing_and_overrunning_steps_are_reported_and_the_rest_still_run() -> None:
    shutdown = Shutdown(grace=1.0, step_timeout=0.2, signals=())
    ran: list[str] = []

    async def fails() -> None:
        raise OSError("listener already closed")

    async def hangs() -> None:
        await asyncio.Event().wait()

    async def closes() -> None:
        ran.append("database closed")

    shutdown.on_stop_accepting("listener", fails)
    shutdown.on_release("forges", hangs)
    shutdown.on_release("database", closes)
    shutdown.request("test")
    report = await shutdown.wait()
    assert report.failures == ("listener", "forges")
    assert ran == ["database closed"]
    assert not report.clean
    assert (report.finished, report.cancelled) == (0, 0)


async def test_work_that_ignores_cancellation_is_reported_and_release_still_runs() -> None:
    shutdown = Shutdown(grace=0.05, step_timeout=0.2, signals=())
    released = asyncio.Event()
    entered = asyncio.Event()
    leave = asyncio.Event()

    async def stubborn() -> None:
        async with shutdown.work():
            entered.set()
            while not leave.is_set():
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    continue  # swallows every cancellation, as badly written work might

    async def release() -> None:
        released.set()

    shutdown.on_release("leadership", release)
    task = asyncio.create_task(stubborn())
    await entered.wait()
    shutdown.request("test")
    report = await shutdown.wait()
    assert released.is_set()
    assert report.cancelled == 1
    assert report.failures == ("cancelled work",)
    leave.set()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_work_outside_a_task_or_after_the_stop_is_refused() -> None:
    shutdown = Shutdown(signals=())
    shutdown.request("test")
    assert not shutdown.accepting
    with pytest.raises(ShuttingDown, match=r"stopping \(test\)"):
        async with shutdown.work():
            pass
