"""`Forge.list_repos(namespace, since=...)` on every adapter against its sandbox: only the
repositories updated at or after `since`, newest first; forges that can list by activity
read only the pages down to `since`, Pagure reads them all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.forges.base import Capability
from bot.sandbox.faults import Faults
from bot.sandbox.world import World
from tests.forges.harness import Harness, Started, Ticker, seed
from tests.forges.harnesses import HARNESSES

REPOS = 10


@pytest.fixture(params=HARNESSES, ids=lambda h: h.name)
def harness(request: pytest.FixtureRequest) -> Harness:
    return request.param


@pytest.fixture
def world(tmp_path: Path, harness: Harness) -> World:
    world = World(tmp_path / "world", clock=Ticker())
    seed(world, harness, repos=REPOS)
    return world


@pytest.fixture
async def started(world: World, harness: Harness) -> AsyncIterator[Started]:
    running = await harness.start(world, Faults(), timeout=2.0)
    try:
        yield running
    finally:
        await running.close()


async def test_since_lists_what_changed_newest_first(
    started: Started, harness: Harness, world: World
) -> None:
    everything = await started.forge.list_repos(harness.namespace)
    newest = max(r.updated_at for r in everything)
    for name in ("pkg02", "pkg07"):
        world.touch(harness.name, f"{harness.namespace}/{name}")
    before = started.requests()
    changed = await started.forge.list_repos(harness.namespace, since=newest)
    spent = started.requests() - before
    assert [r.ref.name for r in changed][:2] == ["pkg07", "pkg02"]
    assert all(r.updated_at >= newest for r in changed)
    # the repository updated last before the touches is the only other one at `since`
    assert {r.ref.name for r in changed} <= {"pkg02", "pkg07", f"pkg{REPOS - 1:02d}"}
    pages = -(-REPOS // harness.page_size)
    if Capability.REPOS_BY_ACTIVITY in started.forge.capabilities:
        # the three at or after `since` fill one page, the next page starts older; Gitea
        # also asks for the org's id once
        assert spent <= 3 and spent < pages, f"{harness.name}: {spent} requests"
    else:
        assert spent >= pages, "Pagure cannot stop early"


async def test_since_after_everything_lists_nothing(started: Started, harness: Harness) -> None:
    everything = await started.forge.list_repos(harness.namespace)
    later = max(r.updated_at for r in everything) + timedelta(days=1)
    assert await started.forge.list_repos(harness.namespace, since=later) == []
