"""Benchmark: the webhook endpoint under load, against the same server answering a bare 200.

Run: .venv/bin/python benchmarks/webhooks.py [--seconds 30] [--connections 16]
     [--database-url postgresql+psycopg://user@host:5432/db]

This process serves the bot's web application (the dashboard's app with the webhook routes
mounted, as `serve` does) over a fresh SQLite inbox; a separate load-generator process
posts signed Gitea `issue_comment` deliveries (each a new comment) over several keep-alive
connections, first to a route that reads the body and answers a bare 200 (the baseline),
then to `POST /webhooks/gitea`. It prints deliveries per second, p50/p99 latency and lost
deliveries: answered 202 but not in the inbox afterwards. With `--database-url` (or
UPSTREAM_BOT_TEST_POSTGRES_URL set) the webhook phase runs against PostgreSQL as well, in
a database created for the run and dropped after it. Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ingest.events import ForgeKind  # noqa: E402
from bot.ingest.signatures import sign  # noqa: E402
from bot.service.inbox_writer import InboxWriter  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.store import Store, migrate, open_engine, parse_url, session_factory  # noqa: E402
from bot.web.app import build_web_app  # noqa: E402
from bot.web.webhooks import HookSource, WebhookReceiver  # noqa: E402

SECRET = "bench-webhook-secret"
SAMPLE = ROOT / "tests/data/webhooks/events/gitea/issue_comment.created.issue.json"
WARMUP = 1.0


@dataclass
class Phase:
    name: str
    sent: int
    ok: int
    seconds: float
    latencies: list[float]
    accepted_keys: list[str]
    errors: dict[str, int]

    def line(self) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000 if ordered else float("nan")
        p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else float("nan")
        rate = self.ok / self.seconds if self.seconds else 0.0
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())) or "none"
        return (
            f"{self.name:<28} {rate:8.0f} deliveries/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"
            f"   ({self.ok} answered in {self.seconds:.1f} s; errors: {errors})"
        )

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


# -- the load generator (a separate process) ----------------------------------------------


def template() -> bytes:
    body = json.loads(SAMPLE.read_text(encoding="utf-8"))
    body["comment"]["id"] = "__ID__"
    return json.dumps(body).encode().replace(b'"__ID__"', b"__ID__")


async def generate(url: str, seconds: float, connections: int, start_id: int) -> dict:
    """`connections` keep-alive connections posting signed deliveries back to back.

    A lean HTTP/1.1 client over asyncio streams (the server answers with Content-Length):
    aiohttp's client costs more CPU per request than the server under test, and the
    generator must not be what limits the run on two cores.
    """
    body_template = template()
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
    latencies: list[float] = []
    accepted: list[str] = []
    errors: dict[str, int] = {}
    counter = iter(range(start_id, start_id + 10**9))
    sent = ok = 0
    deadline = time.perf_counter() + WARMUP + seconds
    measure_from = time.perf_counter() + WARMUP

    def request(number: int) -> bytes:
        body = body_template.replace(b"__ID__", str(number).encode())
        headers = {
            "Host": f"{host}:{port}",
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            "User-Agent": "Go-http-client/1.1",
            "X-Gitea-Event": "issue_comment",
            "X-Gitea-Event-Type": "issue_comment",
            "X-Gitea-Delivery": f"bench-{number}",
            **sign("gitea", SECRET, body),
        }
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        return f"POST {path} HTTP/1.1\r\n{head}\r\n".encode() + body

    async def exchange(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes
    ) -> tuple[int, bytes]:
        writer.write(data)
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await reader.readexactly(length)

    async def worker() -> None:
        nonlocal sent, ok
        reader, writer = await asyncio.open_connection(host, port)
        while time.perf_counter() < deadline:
            data = request(next(counter))
            started = time.perf_counter()
            try:
                status, answer = await asyncio.wait_for(exchange(reader, writer, data), 30)
            except (OSError, TimeoutError, ValueError, IndexError,
                    asyncio.IncompleteReadError) as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            finished = time.perf_counter()
            if started < measure_from:
                continue
            sent += 1
            if status in (200, 202):
                ok += 1
                latencies.append(finished - started)
                if status == 202:
                    accepted.append(json.loads(answer)["detail"])
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1
        writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return {
        "sent": sent,
        "ok": ok,
        "seconds": seconds,
        "latencies": latencies,
        "accepted_keys": accepted,
        "errors": errors,
    }


def run_generator(url: str, seconds: float, connections: int, start_id: int) -> dict:
    """The generator in its own process, so it does not share the server's CPU core."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [sys.executable, __file__, "--generate", url, "--seconds", str(seconds),
             "--connections", str(connections), "--start-id", str(start_id), "--out", out.name],
            check=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = json.loads(Path(out.name).read_text())
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        print(f"  load generator: {cpu / max(result['sent'], 1) * 1e6:.0f} µs of CPU per request")
        return result


# -- the server (this process) -------------------------------------------------------------


async def bare(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(status=200)


async def measure(database_url: str, label: str, seconds: float, connections: int,
                  with_baseline: bool) -> list[Phase]:
    engine = open_engine(database_url)
    migrate(engine)
    store = Store(session_factory(engine))
    writer = InboxWriter(store.inbox.enqueue, clock=lambda: datetime.now(UTC))
    await writer.start()
    source = HookSource("almalinux", ForgeKind.GITEA, SECRET, "rpms", holds_packages=True)
    receiver = WebhookReceiver([source], writer, max_body_size=5 * 1024 * 1024)
    settings = load_settings(ROOT / "config/sandbox.toml", environ={})
    app = build_web_app(settings, store, routes=[receiver.routes(), [web.post("/baseline", bare)]])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    loop = asyncio.get_running_loop()
    phases = []
    cpu = 0.0
    try:
        if with_baseline:
            result = await loop.run_in_executor(
                None, run_generator, f"http://127.0.0.1:{port}/baseline", seconds, connections, 1
            )
            phases.append(Phase("bare 200 (baseline)", **result))
        before = resource.getrusage(resource.RUSAGE_SELF)
        result = await loop.run_in_executor(
            None, run_generator, f"http://127.0.0.1:{port}/webhooks/gitea", seconds,
            connections, 10**8,
        )
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        phase = Phase(f"webhooks on {label}", **result)
        phases.append(phase)
    finally:
        await runner.cleanup()
        await writer.close()
    present = store.inbox.keys_present(phase.accepted_keys)
    lost = len(set(phase.accepted_keys) - present)
    phase.errors = {**phase.errors}
    print(f"  {label}: {len(phase.accepted_keys)} deliveries answered 202, "
          f"{len(present)} of them in the inbox, lost: {lost}; "
          f"{writer.batches} batches, {writer.events / max(writer.batches, 1):.1f} events per "
          f"batch; server CPU {cpu / max(writer.events, 1) * 1e6:.0f} µs per delivery")
    engine.dispose()
    return phases


def postgres_database(server_url: str) -> tuple[str, str]:
    name = f"upstream_bot_bench_{secrets.token_hex(4)}"
    server = parse_url(server_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False), name


def drop_postgres(server_url: str, name: str) -> None:
    admin = create_engine(parse_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


async def main(args: argparse.Namespace) -> None:
    print(f"{args.seconds:g} s per phase, {args.connections} connections, load from a separate "
          f"process, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        phases = await measure(sqlite_url, "SQLite", args.seconds, args.connections, True)
    postgres = args.database_url or os.environ.get("UPSTREAM_BOT_TEST_POSTGRES_URL")
    if postgres:
        url, name = postgres_database(postgres)
        try:
            phases += await measure(url, "PostgreSQL", args.seconds, args.connections, False)
        finally:
            drop_postgres(postgres, name)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    for phase in phases:
        print(phase.line())
    baseline = phases[0].rate
    for phase in phases[1:]:
        print(f"{phase.name}: {phase.rate / baseline:.2f} times the baseline's rate")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", help="also measure on this PostgreSQL server")
    parser.add_argument("--generate", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--start-id", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.generate:
        outcome = asyncio.run(
            generate(arguments.generate, arguments.seconds, arguments.connections,
                     arguments.start_id)
        )
        Path(arguments.out).write_text(json.dumps(outcome))
    else:
        asyncio.run(main(arguments))
