"""The scanner's jobs on a served sandbox world and a real scheduler: the full scan runs at
start, a push's refresh coalesces into one scan of the packages asked for, and the merge
request sync records merged and closed requests in the words the scan uses."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.domain.model import Status
from bot.service.scan import ScanSummary
from bot.service.scan_jobs import Refresher, ScanJobs, full_scan_job, mr_sync_job
from bot.service.scheduler import BotScheduler, build_scheduler
from tests.sandbox.seeded import NOW
from tests.service.served import Served, served_world

WAIT = 60.0
SOON = timedelta(milliseconds=50)


def _jobs(served: Served, reports: asyncio.Queue[ScanSummary] | None = None) -> ScanJobs:
    return ScanJobs(
        settings=served.settings, forges=served.forges, store=served.store, clock=lambda: NOW,
        report=None if reports is None else reports.put_nowait,
    )


async def test_full_scan_at_start_then_a_coalesced_refresh(tmp_path: Path) -> None:
    async with served_world(tmp_path, packages=8) as served:
        reports: asyncio.Queue[ScanSummary] = asyncio.Queue()
        jobs = _jobs(served, reports)
        scheduler = build_scheduler([full_scan_job(jobs), mr_sync_job(jobs)])
        scheduler.start()
        try:
            full = await asyncio.wait_for(reports.get(), WAIT)
            assert full.packages == 8 and not full.stale
            assert not served.disagreements()
            refresher = Refresher(scheduler, jobs.scan, delay=SOON)
            for package in ("pkg-0003", "pkg-0001", "pkg-0003"):
                refresher.request_refresh(package)
            refreshed = await asyncio.wait_for(reports.get(), WAIT)
            assert refreshed.packages == 2 and refreshed.run_id == full.run_id + 1
            assert refreshed.transitions == 0
            assert scheduler.runs["refresh"] == 1
            assert scheduler.get_job("mr-sync") is not None
        finally:
            await scheduler.stop()


async def test_requests_during_a_refresh_are_scanned_after_it_and_a_failure_loses_none() -> None:
    batches: list[list[str]] = []
    gate = asyncio.Event()
    done = asyncio.Event()

    async def scan(packages: Sequence[str]) -> None:
        batches.append(list(packages))
        if len(batches) == 1:
            await gate.wait()
            raise RuntimeError("the downstream forge is down")
        done.set()

    scheduler = BotScheduler(timezone="UTC")
    scheduler.start()
    try:
        refresher = Refresher(scheduler, scan, delay=SOON)
        refresher.request_refresh("bash")
        refresher.request_refresh("zsh")
        while not batches:
            await asyncio.sleep(SOON.total_seconds())
        refresher.request_refresh("grub2")
        refresher.request_refresh("bash")
        assert refresher.pending == {"grub2", "bash"}
        gate.set()
        await asyncio.wait_for(done.wait(), WAIT)
        assert batches == [["bash", "zsh"], ["bash", "grub2"]]
        assert scheduler.runs["refresh"] == 1
        assert refresher.pending == frozenset()
    finally:
        await scheduler.stop()


async def test_sync_records_merged_and_closed_requests_as_the_scan_would(
    tmp_path: Path,
) -> None:
    async with served_world(tmp_path, packages=24) as served:
        jobs = _jobs(served)
        await jobs.scan()
        submitted = served.store.list_target_states(status=Status.SUBMITTED)
        by_url: dict[str, list[str]] = {}
        for state in submitted:
            if state.url and jobs.urls.link(state.url) is not None:
                by_url.setdefault(state.url, []).append(state.change_id)
        assert len(by_url) >= 2, submitted
        quiet = await jobs.sync()
        assert (quiet.checked, quiet.transitions, quiet.errors) == (len(by_url), 0, {})

        # merge one found by the bot's marker: the sandbox diffs a merged request against its
        # target branch, which the merge fast-forwarded, so a patch id match would not survive
        # it there (real forges keep a merged request's diff)
        kinds = {s.url: s.evidence.get("matched_by") for s in submitted}
        merge_url = next(url for url in sorted(by_url) if kinds[url] == "marker")
        close_url = next(url for url in sorted(by_url) if kinds[url] == "patch-id")
        for url, state in ((merge_url, "merged"), (close_url, "closed")):
            link = jobs.urls.link(url)
            assert link is not None and link.number is not None
            kind = str(served.settings.forge(link.forge).type)
            await asyncio.to_thread(
                served.world.set_change_state, kind, link.repo.path, link.number, state
            )
        synced = await jobs.sync()
        moved = [s for s in submitted if s.url in (merge_url, close_url)]
        assert synced.transitions == len(moved)
        for before in moved:
            after = served.store.get_target_status(before.change_id, before.target)
            assert after is not None
            wanted = Status.MERGED if before.url == merge_url else Status.REJECTED
            assert after.status is wanted, after.reason
            [last] = served.store.status_history(before.change_id, before.target)[-1:]
            assert last.actor == "mr-sync" and last.from_status is Status.SUBMITTED

        # the next scan decides the same with the same words: no second transition
        lengths = {(s.change_id, s.target): len(served.store.status_history(s.change_id, s.target))
                   for s in moved}
        await jobs.scan()
        for (change_id, target), length in lengths.items():
            history = served.store.status_history(change_id, target)
            assert len(history) == length, [(h.to_status, h.reason, h.actor) for h in history]


async def test_sync_keeps_the_pairs_whose_forge_fails(tmp_path: Path) -> None:
    async with served_world(tmp_path, packages=24) as served:
        jobs = _jobs(served)
        await jobs.scan()
        submitted = served.store.list_target_states(status=Status.SUBMITTED)
        hosts = {}
        for state in submitted:
            link = jobs.urls.link(state.url or "")
            if link is not None:
                hosts.setdefault(str(served.settings.forge(link.forge).type), set()).add(state.url)
        assert "pagure" in hosts, hosts
        served.faults("pagure").error_rate = 1.0
        synced = await jobs.sync()
        assert set(synced.errors) == hosts["pagure"]
        assert synced.checked == sum(len(urls) for kind, urls in hosts.items() if kind != "pagure")
        assert served.store.list_target_states(status=Status.SUBMITTED) == submitted
