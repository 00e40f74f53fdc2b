"""Benchmark: server time of the dashboard's pages over a realistic store of 3,500
packages and 10,000 changes, against /healthz, and against the same pages with the
dashboard's indexes dropped, all in the same run.

Run: .venv/bin/python benchmarks/dashboard.py [--packages N] [--changes N] [--requests N]
     [--database URL]

The store is written by `bot.sandbox.store_world.fill_store` (26 weeks of history) into a
fresh SQLite file (or the PostgreSQL database given, which must be empty). Each page is
requested over loopback HTTP; the time is the app's own (`Server-Timing` header), so the
client's overhead is left out; the CPU time of each round trip is printed beside it, as a
shared machine's load inflates wall time. Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import Engine, text

from bot.domain.commands import COMMANDS
from bot.sandbox.store_world import fill_store
from bot.settings import load_settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.models import Base
from bot.web.app import build_web_app

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
#: The indexes the dashboard's queries rely on (migration 0007), dropped for the baseline.
DASHBOARD_INDEXES = tuple(
    index.name
    for table in Base.metadata.sorted_tables
    for index in table.indexes
    if index.name and index.info.get("dashboard")
)


def p95(values: list[float]) -> float:
    return percentile(values, 0.95)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(
    session: aiohttp.ClientSession, base: str, path: str, n: int
) -> tuple[list[float], list[float]]:
    """Server time (the app's Server-Timing) and the CPU time of the whole round trip (client
    and server share this process and run one request at a time), in ms."""
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(n):
        started = time.process_time()
        async with session.get(base + path) as response:
            await response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status}")
            timing = response.headers["Server-Timing"]
        cpu.append((time.process_time() - started) * 1000)
        times.append(float(timing.split("dur=")[1]))
    return times, cpu


Timings = dict[str, tuple[list[float], list[float]]]


async def run_pages(engine: Engine, pages: dict[str, str], n: int) -> Timings:
    settings = load_settings(ROOT / "config/sandbox.toml", environ={})
    app = build_web_app(settings, Store(session_factory(engine)), clock=lambda: NOW,
                        commands=COMMANDS)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    try:
        async with aiohttp.ClientSession() as session:
            for path in pages.values():  # warm caches and the connection pool
                await measure(session, base, path, 2)
            return {name: await measure(session, base, path, n) for name, path in pages.items()}
    finally:
        await server.close()


def pick_pages(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        package = connection.execute(text(
            "SELECT package FROM changes GROUP BY package ORDER BY count(*) DESC LIMIT 1"
        )).scalar_one()
        change = connection.execute(text(
            "SELECT change_id FROM status_transitions GROUP BY change_id "
            "ORDER BY count(*) DESC, change_id LIMIT 1"
        )).scalar_one()
    return {
        "/healthz (baseline)": "/healthz",
        "overview": "/",
        f"package ({package}, the largest)": f"/packages/{quote(package)}",
        "change (longest history)": f"/changes/{change}",
        "changes, pending in fedora, page 20": "/changes?status=pending&target=fedora&page=20",
        "API changes, owner filter": "/api/v1/changes?owner=mira.castell",
    }


def report(title: str, results: Timings) -> None:
    print(f"\n{title}")
    print(f"  {'page':42} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50':>8} {'CPU p95':>8}")
    for name, (times, cpu) in results.items():
        print(f"  {name:42} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f} "
              f"{statistics.median(cpu):8.1f} {percentile(cpu, 0.95):8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=3500)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=60, help="per page")
    parser.add_argument("--database", help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(args.database or f"sqlite:///{Path(tmp) / 'dashboard.sqlite3'}")
        migrate(engine)
        started = time.perf_counter()
        world = fill_store(Store(session_factory(engine)), packages=args.packages,
                           changes=args.changes, owners=120, weeks=26, seed=0, now=NOW)
        print(f"store: {len(world.packages)} packages, {world.changes} changes, {world.pairs} "
              f"(change, target) pairs, {world.transitions} transitions, written in "
              f"{time.perf_counter() - started:.1f}s ({engine.dialect.name})")
        pages = pick_pages(engine)
        indexed = asyncio.run(run_pages(engine, pages, args.requests))
        report("with the dashboard's indexes", indexed)
        with engine.begin() as connection:
            for name in DASHBOARD_INDEXES:
                connection.execute(text(f'DROP INDEX "{name}"'))
        bare = asyncio.run(run_pages(engine, pages, args.requests))
        report(f"without them ({', '.join(DASHBOARD_INDEXES) or 'none defined'})", bare)
        print("\nratios of server time, without / with the indexes (p50 and p95):")
        for name in pages:
            with_p50, with_p95 = (f(indexed[name][0]) for f in (statistics.median, p95))
            bare_p50, bare_p95 = (f(bare[name][0]) for f in (statistics.median, p95))
            print(f"  {name:42} {bare_p50 / max(with_p50, 0.01):6.1f}x "
                  f"{bare_p95 / max(with_p95, 0.01):6.1f}x")
        print(f"\nload average during the run: {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs (server time includes waiting for a CPU)")
        engine.dispose()


if __name__ == "__main__":
    main()
