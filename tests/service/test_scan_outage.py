"""A forge outage during a scan (the sandbox's fault injection: 5xx, 429, resets and stalls)
leaves the affected packages stale with the error and their last known statuses untouched;
the other packages are scanned as usual, and the next scan after the outage recovers them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.service.scan import ScanSummary, scan_once
from tests.sandbox.seeded import NOW
from tests.service.served import Served, served_world

PACKAGES = 12


async def _scan(served: Served, *, days: int, incremental: bool = True) -> ScanSummary:
    # a later `now` ages every pending row: a scan that touched one would rewrite it
    return await scan_once(
        settings=served.settings, forges=served.forges, store=served.store,
        now=NOW + timedelta(days=days), incremental=incremental,
    )


def _isolated(served: Served, count: int) -> list[str]:
    """Packages with CentOS Stream rows whose repository path no other package's contains."""
    names = [p.name for p in served.truth.packages]
    with_rows = {package.name for package, _, _, row in served.truth.rows()
                 if str(row.target) == "centos-stream"}
    return [n for n in sorted(with_rows)
            if not any(o != n and o.startswith(n) for o in names)][:count]


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

        served.faults("pagure").error_rate = 1.0  # Fedora's forge answers nothing right
        # a full pass, so that every package is read during the outage
        during = await _scan(served, days=1, incremental=False)
        assert set(during.stale) == affected
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
        assert not served.disagreements()


async def test_failing_repositories_do_not_block_the_other_packages(tmp_path: Path) -> None:
    async with served_world(tmp_path, packages=PACKAGES) as served:
        await _scan(served, days=0)
        failing = _isolated(served, 2)
        assert len(failing) == 2, "the seeded world has too few packages with CentOS rows"
        others = {p.name for p in served.truth.packages} - set(failing)
        before = served.states(set(failing))
        assert before

        gitlab = served.faults("gitlab")
        gitlab.only = tuple(f"rpms/{name}" for name in failing)
        gitlab.error_rate = 1.0
        # a full pass, so that every package is read during the outage
        during = await _scan(served, days=1, incremental=False)
        assert sorted(during.stale) == failing
        assert all(e.split(":")[0] in ("Unavailable", "RateLimited") for e in during.stale.values())
        assert served.states(set(failing)) == before
        assert not served.disagreements(others)
        assert [p.name for p in served.store.list_packages(stale=True)] == failing

        gitlab.error_rate = 0.0
        after = await _scan(served, days=2)
        assert not after.stale
        assert served.store.list_packages(stale=True) == []
        assert not served.disagreements()
