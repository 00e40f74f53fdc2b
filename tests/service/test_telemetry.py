"""Forge calls feed the metrics through the Caller's observer: attempts by outcome, retry
pauses and budget waits by reason; the store's counts become gauges at scrape time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.forges.calls import Budget, Caller, RetryPolicy
from bot.forges.errors import NotFound, RateLimited
from bot.service.telemetry import Telemetry
from bot.store.view_records import OpsCounts

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_attempts_pauses_and_budget_waits_are_counted() -> None:
    telemetry = Telemetry()
    clock = Clock()
    budget = Budget(per_hour=2, concurrency=1, clock=clock, sleep=clock.sleep,
                    on_wait=lambda s: telemetry.paused("gitea", "budget", s))
    caller = Caller(forge="gitea", budget=budget, timeout=5, policy=RetryPolicy(),
                    sleep=clock.sleep, jitter=lambda: 0.0, observer=telemetry, clock=clock)
    answers = iter([RateLimited("gitea", "slow down", retry_after=2.0), "ok"])

    async def attempt() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await caller.call("reading", attempt) == "ok"
    assert telemetry.forge_requests.value(forge="gitea", status="RateLimited") == 1
    assert telemetry.forge_requests.value(forge="gitea", status="ok") == 1
    assert telemetry.forge_pause_seconds.value(forge="gitea", reason="RateLimited") == 2.0

    async def missing() -> str:
        raise NotFound("gitea", "no such repo")

    with pytest.raises(NotFound):
        await caller.call("reading", missing)  # the third request in the hour waits
    assert telemetry.forge_requests.value(forge="gitea", status="NotFound") == 1
    assert telemetry.forge_pauses.value(forge="gitea", reason="budget") == 1
    (state,) = telemetry.forge_states()
    assert (state.forge, state.requests, state.errors) == ("gitea", 3, 2)


def test_store_counts_become_gauges() -> None:
    telemetry = Telemetry()
    telemetry.refresh(OpsCounts(
        inbox_by_state={"pending": 2, "dead": 1},
        inbox_oldest_waiting=NOW - timedelta(minutes=5),
        actions={("open-change", "done"): 3},
        digests={"sent": 40},
        targets={("fedora", "pending"): 9},
        stale_packages=2,
        last_finished_scan=None,
    ), now=NOW)
    text = telemetry.render()
    for line in ('upstream_bot_inbox_items{state="dead"} 1',
                 "upstream_bot_inbox_oldest_pending_age_seconds 300",
                 'upstream_bot_actions{type="open-change",state="done"} 3',
                 'upstream_bot_digests{state="sent"} 40',
                 'upstream_bot_changes{target="fedora",status="pending"} 9',
                 "upstream_bot_stale_packages 2"):
        assert line in text, line
    telemetry.scan_finished(12.5, status="ok")
    assert 'upstream_bot_scan_duration_seconds_count{status="ok"} 1' in telemetry.render()
