"""Benchmark: reading every repository's branch heads through the Gitea adapter, against a
naive client that asks the same questions one request at a time, in the same run.

Run: .venv/bin/python benchmarks/forge_reads.py [--repos N] [--latency MS] [--concurrency C]

Both read the org listing (all pages) and then each repository's branches from the Gitea
sandbox with the same added latency per request, and must find the same heads. The adapter
then reads again (a warm pass): unchanged answers come back as 304 from its ETag cache.
Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.forges.calls import Budget, Caller, RetryPolicy
from bot.forges.gitea import GiteaForge
from bot.sandbox.faults import Faults
from bot.sandbox.gitea_api import build_app
from bot.sandbox.gitstore import Author
from bot.sandbox.world import World


def seed(world: World, repos: int) -> None:
    world.add_user("gitea", "upstream-bot", token="bench-token")
    author = Author("Bench", "bench@sandbox.test")
    for index in range(repos):
        path = f"rpms/pkg{index:05d}"
        world.create_repo("gitea", path, default_branch="c9", members={"upstream-bot": "admin"})
        world.commit("gitea", path, "c9", {"p.spec": b"Name: p\n"}, message="import", author=author)
        world.commit(
            "gitea",
            path,
            "a9",
            {"p.spec": b"Name: p\nRelease: 1.alma\n"},
            message="alma",
            author=author,
        )


async def naive(base_url: str, token: str) -> tuple[dict[str, dict[str, str]], int]:
    """One request at a time, no cache: what a simple script would do."""
    headers = {"Authorization": f"token {token}"}
    heads: dict[str, dict[str, str]] = {}
    requests = 0
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
        page, names = 1, []
        while True:
            async with session.get(
                f"{base_url}/api/v1/orgs/rpms/repos", params={"page": page, "limit": 50}
            ) as answer:
                requests += 1
                batch = await answer.json()
            if not batch:
                break
            names += [repo["name"] for repo in batch]
            page += 1
        for name in names:
            async with session.get(
                f"{base_url}/api/v1/repos/rpms/{name}/branches", params={"limit": 50}
            ) as answer:
                requests += 1
                heads[f"rpms/{name}"] = {b["name"]: b["commit"]["id"] for b in await answer.json()}
    return heads, requests


async def adapter_pass(forge: GiteaForge) -> dict[str, dict[str, str]]:
    repos = await forge.list_repos("rpms")
    branch_lists = await asyncio.gather(*(forge.list_branches(r.ref) for r in repos))
    return {
        r.ref.path: {b.name: b.sha for b in branches}
        for r, branches in zip(repos, branch_lists, strict=True)
    }


async def main(repos: int, latency_ms: float, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        world = World(Path(folder), clock=lambda: datetime.now(UTC))
        started = time.perf_counter()
        seed(world, repos)
        print(f"seeded {repos} repositories in {time.perf_counter() - started:.1f}s")
        faults = Faults(latency=latency_ms / 1000)
        runner = web.AppRunner(build_app(world, faults=faults))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            before, started = faults.requests, time.perf_counter()
            expected, naive_requests = await naive(base_url, "bench-token")
            naive_time = time.perf_counter() - started
            caller = Caller(
                forge="gitea",
                budget=Budget(
                    per_hour=1_000_000,
                    concurrency=concurrency,
                    clock=time.monotonic,
                    sleep=asyncio.sleep,
                ),
                timeout=30.0,
                policy=RetryPolicy(),
                sleep=asyncio.sleep,
                jitter=random.random,
            )
            forge = GiteaForge(name="gitea", base_url=base_url, token="bench-token", caller=caller)
            try:
                before, started = faults.requests, time.perf_counter()
                cpu = time.process_time()
                found = await adapter_pass(forge)
                cold_time, cold_cpu = time.perf_counter() - started, time.process_time() - cpu
                cold_requests = faults.requests - before
                before, started = faults.requests, time.perf_counter()
                warm = await adapter_pass(forge)
                warm_time, warm_requests = time.perf_counter() - started, faults.requests - before
                hits = forge.etag_hits
            finally:
                await forge.close()
        finally:
            await runner.cleanup()
    assert found == expected == warm, "the adapter and the naive client disagree"
    print(
        f"repositories: {repos}, added latency: {latency_ms:g} ms per request, "
        f"adapter concurrency: {concurrency}"
    )
    print(
        f"naive sequential: {naive_requests} requests in {naive_time:.2f}s "
        f"= {naive_requests / naive_time:.0f} requests/s"
    )
    print(
        f"adapter, cold:    {cold_requests} requests in {cold_time:.2f}s "
        f"= {cold_requests / cold_time:.0f} requests/s (CPU {cold_cpu:.2f}s)"
    )
    print(
        f"adapter, warm:    {warm_requests} requests in {warm_time:.2f}s, "
        f"{hits} answered 304 from the ETag cache"
    )
    print(f"ratio (naive time / adapter cold time): {naive_time / cold_time:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=300)
    parser.add_argument("--latency", type=float, default=20.0, help="milliseconds per request")
    parser.add_argument("--concurrency", type=int, default=8)
    options = parser.parse_args()
    asyncio.run(main(options.repos, options.latency, options.concurrency))
