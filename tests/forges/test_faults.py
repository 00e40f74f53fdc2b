"""With a fifth of the sandbox's answers failing (5xx, 429, resets, stalls), a full read of
200 repositories still gives the right data, and retried writes land exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.forges.base import RepoRef
from bot.forges.calls import RetryPolicy
from bot.sandbox import gitstore
from bot.sandbox.faults import Faults
from bot.sandbox.world import World
from tests.forges.harness import AUTHOR, BOT, PACKAGER, Harness, Ticker
from tests.forges.harnesses import HARNESSES

REPOS = 200
#: eight tries: the chance that one call meets eight failures in a row is 0.2**8 = 3e-6
PATIENT = RetryPolicy(attempts=8, base_delay=0.005, max_delay=0.05, max_retry_after=1.0)


def _seed(world: World, harness: Harness) -> list[str]:
    for name in (BOT, PACKAGER):
        world.add_user(harness.name, name)
    paths = []
    for index in range(REPOS):
        path = f"{harness.namespace}/p{index:03d}"
        world.create_repo(
            harness.name, path, default_branch="main", members={BOT: "admin", PACKAGER: "write"}
        )
        world.commit(
            harness.name,
            path,
            "main",
            {f"p{index:03d}.spec": f"Name: p{index}\n".encode()},
            message="import",
            author=AUTHOR,
        )
        paths.append(path)
    return paths


@pytest.mark.parametrize("harness", HARNESSES, ids=lambda h: h.name)
async def test_full_read_and_writes_survive_a_fifth_of_answers_failing(
    tmp_path: Path, harness: Harness
):
    world = World(tmp_path / "world", clock=Ticker())
    paths = _seed(world, harness)
    faults = Faults(error_rate=0.2, stall=1.0, retry_after=0.01, seed=7)
    running = await harness.start(world, faults, timeout=0.5, policy=PATIENT)
    try:
        forge = running.forge
        repos = await forge.list_repos(harness.namespace)
        assert sorted(r.ref.path for r in repos) == paths

        async def read(path: str) -> tuple[str, dict[str, str], bytes]:
            ref = RepoRef.parse(path)
            heads = {b.name: b.sha for b in await forge.list_branches(ref)}
            spec = await forge.read_file(ref, f"{ref.name}.spec", ref="main")
            return path, heads, spec

        results = await asyncio.gather(*(read(p) for p in paths))
        for path, heads, spec in results:
            assert heads == dict(gitstore.branches(world.git_dir(harness.name, path)))
            assert spec == f"Name: p{int(path[-3:])}\n".encode()

        targets = [RepoRef.parse(p) for p in paths[:30]]
        await asyncio.gather(*(forge.open_issue(t, f"Tracking {t.name}", "body") for t in targets))
        for target in targets:
            titles = [i.title for i in world.issues(harness.name, target.path)]
            assert titles == [f"Tracking {target.name}"], (target, titles)
        assert faults.injected > REPOS * 0.1, "the faults really happened"
    finally:
        await running.close()
