"""JSON log lines carry the bound delivery/job id, the call's extra fields and exceptions;
concurrent tasks keep their own ids."""

from __future__ import annotations

import asyncio
import io
import json
import logging

from bot.service.logs import JsonFormatter, configure_logging, current_context, log_context


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_records_are_json_with_bound_and_extra_fields() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    configure_logging("INFO", stream=stream)  # idempotent: still one handler
    log = logging.getLogger("bot.test")
    with log_context(delivery_id="d-1"), log_context(job_id="scan"):
        log.info("inbox event stored", extra={"forge": "gitea", "attempt": 2})
    log.info("outside")
    first, second = lines(stream)
    assert first["message"] == "inbox event stored" and first["level"] == "info"
    assert (first["delivery_id"], first["job_id"], first["forge"], first["attempt"]) == (
        "d-1", "scan", "gitea", 2)
    assert first["logger"] == "bot.test" and first["time"].endswith("+00:00")
    assert "delivery_id" not in second
    assert current_context() == {}


def test_exceptions_are_kept() -> None:
    formatter = JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, "f", 1, "failed", (),
                                                   exc_info=__import__("sys").exc_info())
    entry = json.loads(formatter.format(record))
    assert "ValueError: boom" in entry["exception"]


async def test_concurrent_tasks_keep_their_own_ids() -> None:
    seen: dict[str, str] = {}

    async def handle(delivery: str) -> None:
        with log_context(delivery_id=delivery):
            await asyncio.sleep(0)
            seen[delivery] = current_context()["delivery_id"]

    await asyncio.gather(*(handle(f"d-{i}") for i in range(20)))
    assert seen == {f"d-{i}": f"d-{i}" for i in range(20)}
