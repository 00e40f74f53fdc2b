"""`upstream-bot serve` on SQLite, as real processes over the sandbox forges: it serves and
answers a command written on Gitea, a second replica on the same database is refused with
an error naming the first, and SIGTERM stops it with status 0 within its bound."""

from __future__ import annotations

import asyncio
import math
import signal
from pathlib import Path

from bot.runtime import ServeOptions
from tests.fakes.smtp import SmtpServer
from tests.service.serve_cluster import bench, serving, until

#: seconds allowed past the stop bound: the interpreter's exit, a loaded machine
SLACK = 15.0


async def test_one_replica_serves_a_second_is_refused_and_sigterm_stops_it(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.sqlite3"
    with SmtpServer() as smtp:
        async with bench(tmp_path, f"sqlite:///{database}", packages=3, latency=0.0,
                         smtp_port=smtp.port) as b:
            package = b.truth.packages[0].name
            with serving(b, 2) as [(first, port), (second, _)]:
                ready = await asyncio.to_thread(first.wait_for, lambda line: "serving" in line)
                assert f"on http://127.0.0.1:{port}/" in ready

                code = await asyncio.to_thread(second.wait_exit)
                refusal = second.stderr_tail()
                assert code == 2, refusal
                assert f"process {first.pid} already runs on this database" in refusal
                assert f"{database}.lock" in refusal and "PostgreSQL" in refusal

                thread = await b.open_issue(package, "what is upstream?")
                await b.comment(thread, "/upstream status")
                replies = await until(lambda: b.replies(thread), what="the status reply")
                assert len(replies) == 1 and package in replies[0]

                first.signal(signal.SIGTERM)
                bound = math.ceil(ServeOptions().stop_bound) + SLACK
                assert await asyncio.to_thread(first.wait_exit, bound) == 0, first.stderr_tail()
                assert any(line.startswith("upstream-bot serve: stopped (SIGTERM)")
                           for line in first.lines), first.lines
    assert b.replies(thread) == replies
