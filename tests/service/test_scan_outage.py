"""A forge outage during a scan (the sandbox's fault injection: 5xx, 429, resets and stalls)
leaves the affected packages stale with the error and their last known statuses untouched,
even where the forges that still answer show news; the other packages are scanned as
usual, and the next scan after the outage recovers them, news included."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.domain.model import Status
from bot.service.forge_urls import url_map_from_settings
from bot.service.scan import ScanSummary, scan_once
from bot.store.records import TargetState
from tests.sandbox.seeded import NOW
from tests.service.served import Served, served_world

PACKAGES = 12


async def _scan(served: Served, *, days: int, incremental: bool = True) -> ScanSummary:
    return await scan_once(
        settings=served.settings, forges=served.forges, store=served.store,
        now=NOW + timedelta(days=days), incremental=incremental,
    )


def _submitted(served: Served, kind: str) -> dict[str, list[TargetState]]:
    """Submitted pairs whose request is on the forge of type `kind`, by package."""
    urls = url_map_from_settings(served.settings)
    found: dict[str, list[TargetState]] = {}
    for state in served.store.list_target_states(status=Status.SUBMITTED):
        link = urls.link(state.url or "")
        if link is not None and str(served.settings.forge(link.forge).type) == kind:
            found.setdefault(link.repo.name, []).append(state)
    return found


async def _close(served: Served, state: TargetState) -> None:
    """Close the pair's request unmerged on its forge: news the next good read must find."""
    link = url_map_from_settings(served.settings).link(state.url or "")
    assert link is not None and link.number is not None
    kind = str(served.settings.forge(link.forge).type)
    await asyncio.to_thread(
        served.world.set_change_state, kind, link.repo.path, link.number, "closed"
    )


def _now_rejected(served: Served, closed: list[TargetState]) -> set[tuple[str, str]]:
    for state in closed:
        found = served.store.get_target_status(state.change_id, state.target)
        assert found is not None and found.status is Status.REJECTED, found
    return {(state.change_id, str(state.target)) for state in closed}


async def test_an_outage_of_one_forge_keeps_statuses_and_the_next_scan_recovers(
    tmp_path: Path,
) -> None:
    async with served_world(tmp_path, packages=PACKAGES) as served:
        first = await _scan(served, days=0)
        assert not first.stale and not served.disagreements()
        everyone = {p.name for p in served.truth.packages}
        # a package without downstream changes has nothing to look up upstream
        affected = {package.name for package, _, _, _ in served.truth.rows()}
        assert affected and affected != everyone
        before = served.states(everyone)
        history = {key: served.store.status_history(key[0], key[1]) for key in before}
        package, [news, *_] = sorted(_submitted(served, "gitlab").items())[0]
        await _close(served, news)

        served.faults("pagure").error_rate = 1.0  # Fedora's forge answers nothing right
        # a full pass, so that every package is read during the outage
        during = await _scan(served, days=1, incremental=False)
        assert set(during.stale) == affected and package in affected
        assert during.transitions == 0
        for name in affected:
            record = served.store.get_package(name)
            assert record is not None and record.stale
            assert record.last_error and record.last_error.split(":")[0] in (
                "Unavailable", "RateLimited"
            ), record.last_error
        assert served.states(everyone) == before
        assert {key: served.store.status_history(key[0], key[1]) for key in before} == history
        assert served.faults("pagure").injected > 0

        served.faults("pagure").error_rate = 0.0
        after = await _scan(served, days=2)
        assert not after.stale
        assert served.store.list_packages(stale=True) == []
        changed = _now_rejected(served, [news])
        assert not served.disagreements(besides=changed)


async def test_failing_repositories_do_not_block_the_other_packages(tmp_path: Path) -> None:
    async with served_world(tmp_path, packages=PACKAGES) as served:
        await _scan(served, days=0)
        on_pagure = _submitted(served, "pagure")
        centos = {package.name for package, _, _, row in served.truth.rows()
                  if str(row.target) == "centos-stream"}
        names = [p.name for p in served.truth.packages]
        # packages with CentOS rows and a Fedora request, whose repository path no other
        # package's contains
        failing = [n for n in sorted(set(on_pagure) & centos)
                   if not any(o != n and o.startswith(n) for o in names)][:2]
        assert len(failing) == 2, "the seeded world has too few packages to fail"
        others = {p.name for p in served.truth.packages} - set(failing)
        before = served.states(set(failing))
        closed = [on_pagure[name][0] for name in failing]
        for state in closed:
            await _close(served, state)

        gitlab = served.faults("gitlab")
        gitlab.only = tuple(f"rpms/{name}" for name in failing)
        gitlab.error_rate = 1.0
        during = await _scan(served, days=1, incremental=False)
        assert sorted(during.stale) == failing
        assert all(e.split(":")[0] in ("Unavailable", "RateLimited")
                   for e in during.stale.values())
        assert served.states(set(failing)) == before
        assert not served.disagreements(others)
        assert [p.name for p in served.store.list_packages(stale=True)] == failing

        gitlab.error_rate = 0.0
        after = await _scan(served, days=2)
        assert not after.stale
        assert served.store.list_packages(stale=True) == []
        changed = _now_rejected(served, closed)
        assert not served.disagreements(besides=changed)

