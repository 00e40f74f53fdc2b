"""Benchmark: scanning a sandbox world shaped like AlmaLinux's, cold and incremental.

Run: .venv/bin/python benchmarks/scan.py [--packages N] [--latency S] [--concurrency C]
     [--world DIR] [--workers W]

The four sandbox forges serve the world from a child process (so the scanner's CPU time
and peak RSS are its own), each answer delayed by `--latency`, and count the requests they
answer. The scanner, in this process, runs against them with SQLite:

1. a cold full scan into an empty database;
2. a warm rescan with nothing changed (incremental);
3. the baseline, measured in the same run: the same warm rescan with incremental skipping
   turned off (every package read again);
4. a rescan after 10 packages got a new patch version downstream: which packages it read.

`--world DIR` keeps the seeded world (seeding 3,500 packages takes minutes) and reuses it
when DIR holds one. Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_forge  # noqa: E402
from bot.domain.model import ChangeType  # noqa: E402
from bot.forges.base import Forge  # noqa: E402
from bot.sandbox.faults import Faults  # noqa: E402
from bot.sandbox.gitstore import Author, run_git  # noqa: E402
from bot.sandbox.seed import seed_world  # noqa: E402
from bot.sandbox.server import start_sandbox  # noqa: E402
from bot.sandbox.truth import Truth  # noqa: E402
from bot.sandbox.world import World  # noqa: E402
from bot.service.scan import ScanSummary, scan_once  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402
from bot.store import Store, migrate, open_engine, session_factory  # noqa: E402

APPS = {
    "gitea": "bot.sandbox.gitea_api",
    "gitlab": "bot.sandbox.gitlab_api",
    "pagure": "bot.sandbox.pagure_api",
    "github": "bot.sandbox.github_api",
}
TRUTH = "truth.json"
CHANGED = 10


# -- the sandbox, in a child process -------------------------------------------------------


async def serve(world_dir: Path, latency: float, forge: str) -> None:
    """Serve one forge of the world; answer `requests` and `change P:BRANCH:FILE ...` on
    stdin (one process per forge: the servers' git work then runs on every core)."""
    import importlib

    world = World.load(world_dir, clock=lambda: datetime.now(UTC))
    factory = importlib.import_module(APPS[forge]).build_app
    if forge == "github":
        # GitHub allows a token 5,000 requests an hour, fewer than a cold scan of this many
        # projects makes (the scanner's hourly budget would spread it over hours); the
        # benchmark measures the scan, so the sandbox lifts the limit
        factory = functools.partial(factory, rate_limit=100_000_000)
    apps = {forge: factory}
    faults = {kind: Faults(latency=latency) for kind in apps}
    running = await start_sandbox(world, apps=apps, ports={}, faults=faults)
    tokens = {kind: world.users(kind)["upstream-bot"].token for kind in apps}
    print(json.dumps({"urls": running.urls, "tokens": tokens}), flush=True)
    loop = asyncio.get_running_loop()
    try:
        while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
            command, *args = line.split()
            if command == "requests":
                answer: Any = {kind: f.requests for kind, f in faults.items()}
            elif command == "change":
                answer = await asyncio.to_thread(_change, world, args)
            else:
                answer = {"error": f"unknown command {command}"}
            print(json.dumps(answer), flush=True)
    finally:
        await running.close()


def _change(world: World, targets: list[str]) -> list[str]:
    """A new version of each named patch on its downstream branch (one added line edited)."""
    author = Author("Bench Packager", "packager@sandbox.test")
    changed = []
    for target in targets:
        package, branch, name = target.split(":", 2)
        path = f"rpms/{package}"
        git_dir = world.git_dir("gitea", path)
        files = run_git(git_dir, "ls-tree", "-r", "--name-only", branch).decode().split()
        where = next(f for f in files if f.rpartition("/")[2] == name)
        lines = run_git(git_dir, "show", f"{branch}:{where}").split(b"\n")
        index = next(i for i, line in enumerate(lines)
                     if line.startswith(b"+") and not line.startswith(b"+++"))
        lines[index] += b" /* revised */"
        world.commit("gitea", path, branch, {where: b"\n".join(lines)},
                     message=f"Revise {name}", author=author)
        changed.append(package)
    return changed


class Sandbox:
    """The child processes serving the world (one per forge), and their command channels."""

    def __init__(self, world_dir: Path, latency: float) -> None:
        self.processes = {
            forge: subprocess.Popen(
                [sys.executable, __file__, "--serve", str(world_dir), "--forge", forge,
                 "--latency", str(latency)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
            )
            for forge in APPS
        }
        self.urls: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        for forge in APPS:
            hello = self._read(forge)
            self.urls.update(hello["urls"])
            self.tokens.update(hello["tokens"])

    def _read(self, forge: str) -> Any:
        stdout = self.processes[forge].stdout
        assert stdout is not None
        return json.loads(stdout.readline())

    def ask(self, forge: str, line: str) -> Any:
        stdin = self.processes[forge].stdin
        assert stdin is not None
        stdin.write(line + "\n")
        stdin.flush()
        return self._read(forge)

    def requests(self) -> int:
        return sum(self.by_forge().values())

    def by_forge(self) -> dict[str, int]:
        return {forge: sum(self.ask(forge, "requests").values()) for forge in APPS}

    def close(self) -> None:
        for process in self.processes.values():
            assert process.stdin is not None
            process.stdin.close()
        for process in self.processes.values():
            process.wait(timeout=60)


# -- the scanner, in this process ----------------------------------------------------------


@dataclass
class Measured:
    seconds: float
    cpu: float
    requests: int
    summary: ScanSummary


def seeded(world_dir: Path | None, packages: int) -> tuple[Path, Truth]:
    if world_dir is not None and (world_dir / "state.json").is_file():
        truth = Truth.from_json(json.loads((world_dir / TRUTH).read_text()))
        print(f"world: {world_dir} (reused, {len(truth.packages)} packages)")
        return world_dir, truth
    root = world_dir or Path(tempfile.mkdtemp(prefix="bench-scan-world-"))
    world = World(root, clock=lambda: datetime.now(UTC))
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    truth = seed_world(world, packages=packages, seed=0, now=now)
    world.save()
    (root / TRUTH).write_text(json.dumps(truth.to_json()))
    print(f"world: {root} seeded with {packages} packages in "
          f"{time.perf_counter() - started:.0f}s")
    return root, truth


def scanner_settings(sandbox: Sandbox, concurrency: int) -> Settings:
    settings = load_settings(ROOT / "config/sandbox.toml", environ={})
    forges = []
    for forge in settings.forges:
        root = sandbox.urls[str(forge.type)]
        api = forge.api_url.replace(forge.url.rstrip("/"), root, 1)
        # the sandbox needs no hourly budget: the concurrency is what is measured; on a
        # busy machine its answers can take long, which must not read as an outage
        forges.append(replace(forge, url=root, api_url=api, concurrency=concurrency,
                              requests_per_hour=10_000_000, timeout=timedelta(minutes=2)))
    return replace(settings, forges=tuple(forges))


async def measure(
    sandbox: Sandbox, run: Callable[[], Awaitable[ScanSummary]]
) -> Measured:
    before = await asyncio.to_thread(sandbox.requests)
    cpu, wall = time.process_time(), time.perf_counter()
    summary = await run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    spent = await asyncio.to_thread(sandbox.requests) - before
    return Measured(wall, cpu, spent, summary)


def pick_changes(truth: Truth, count: int) -> list[str]:
    """`count` packages with a downstream patch, one patch each (package:branch:file)."""
    picked = []
    for package in truth.packages:
        for branch in package.branches:
            patch = next((c for c in branch.changes if c.type is ChangeType.PATCH), None)
            if patch is not None:
                picked.append(f"{package.name}:{branch.branch}:{patch.name}")
                break
        if len(picked) == count:
            break
    return picked


async def bench(args: argparse.Namespace) -> None:
    world_dir, truth = seeded(args.world, args.packages)
    sandbox = Sandbox(world_dir, args.latency)
    workdir = Path(tempfile.mkdtemp(prefix="bench-scan-db-"))
    engine = open_engine(f"sqlite:///{workdir / 'bot.sqlite3'}")
    migrate(engine)
    store = Store(session_factory(engine))
    settings = scanner_settings(sandbox, args.concurrency)
    forges: dict[str, Forge] = {
        f.name: build_forge(f, token=sandbox.tokens[str(f.type)]) for f in settings.forges
    }

    def scan(**options: Any) -> Callable[[], Awaitable[ScanSummary]]:
        return lambda: scan_once(settings=settings, forges=forges, store=store,
                                 now=datetime.now(UTC), workers=args.workers, **options)

    try:
        print(f"{len(truth.packages)} packages, {args.latency * 1000:.0f} ms added per request, "
              f"concurrency {args.concurrency} per forge, {args.workers} workers, SQLite")
        cold = await measure(sandbox, scan())
        by_forge = await asyncio.to_thread(sandbox.by_forge)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        _line("cold full scan", cold)
        print(f"  requests by forge: {by_forge}")
        print(f"  {len(cold.summary.touched)} packages read, {cold.summary.changes} changes, "
              f"{cold.summary.transitions} transitions, {len(cold.summary.stale)} stale; "
              f"CPU {cold.cpu:.1f}s of {cold.seconds:.1f}s wall "
              f"({100 * cold.cpu / cold.seconds:.0f}%); peak RSS {rss:.0f} MB")
        _stale(cold.summary)
        warm = await measure(sandbox, scan())
        _line("warm rescan, nothing changed", warm)
        _stale(warm.summary)
        baseline = await measure(sandbox, scan(incremental=False))
        _line("baseline: same rescan, incremental off", baseline)
        print(f"  incremental vs baseline: {baseline.requests / max(warm.requests, 1):.0f}x "
              f"fewer requests, {baseline.seconds / max(warm.seconds, 1e-3):.0f}x faster")
        targets = pick_changes(truth, CHANGED)
        changed = await asyncio.to_thread(sandbox.ask, "gitea", "change " + " ".join(targets))
        after = await measure(sandbox, scan())
        _line(f"rescan after {len(changed)} packages changed", after)
        _stale(after.summary)
        touched = sorted(after.summary.touched)
        print(f"  read: {', '.join(touched)}")
        print(f"  exactly the changed ones: {touched == sorted(changed)}; "
              f"skipped {after.summary.skipped}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of the scanner over the whole run: {rss:.0f} MB")
    finally:
        for adapter in forges.values():
            await adapter.close()
        engine.dispose()
        sandbox.close()


def _stale(summary: ScanSummary) -> None:
    kinds = Counter(error.split(":")[0] for error in summary.stale.values())
    if kinds:
        print(f"  stale: {dict(kinds)}; e.g. {next(iter(summary.stale.items()))}")


def _line(what: str, measured: Measured) -> None:
    print(f"{what}: {measured.seconds:.2f}s, {measured.requests} requests")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=3500)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=8, help="requests at once per forge")
    parser.add_argument("--workers", type=int, default=16, help="packages scanned at once")
    parser.add_argument("--world", type=Path, help="keep (or reuse) the seeded world here")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--forge", choices=sorted(APPS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(serve(args.serve, args.latency, args.forge))
    else:
        # a stale package is counted in the results; its log line would drown them
        logging.getLogger("bot").setLevel(logging.ERROR)
        asyncio.run(bench(args))


if __name__ == "__main__":
    main()
