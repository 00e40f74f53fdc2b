"""A process for the lifecycle tests: one unit of work in flight, stopped by a signal.

    python lifecycle_replica.py GRACE finish|stuck

"finish" work waits for the line "finish" on stdin; "stuck" work never ends by itself. The
line "new" on stdin offers one more unit of work. Every event is printed, flushed.
"""

from __future__ import annotations

import asyncio
import sys

from bot.service.lifecycle import Shutdown, ShuttingDown


def say(line: str) -> None:
    print(line, flush=True)


async def unit(shutdown: Shutdown, mode: str, finish: asyncio.Event) -> None:
    async with shutdown.work():
        say("working")
        try:
            if mode == "finish":
                await finish.wait()
            else:
                await asyncio.Event().wait()
        except asyncio.CancelledError:
            say("cancelled")
            raise
        say("finished")


async def offer_new(shutdown: Shutdown) -> None:
    try:
        async with shutdown.work():
            say("accepted new work")
    except ShuttingDown as error:
        say(f"refused new work: {error}")


async def commands(shutdown: Shutdown, finish: asyncio.Event) -> None:
    stdin = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    while line := await stdin.readline():
        if line.strip() == b"finish":
            finish.set()
        elif line.strip() == b"new":
            await offer_new(shutdown)


async def main(grace: float, mode: str) -> int:
    shutdown = Shutdown(grace=grace, step_timeout=5.0)

    async def stop_accepting() -> None:
        say("stop accepting")

    async def release() -> None:
        say("released")

    shutdown.on_stop_accepting("listener", stop_accepting)
    shutdown.on_release("leadership", release)
    shutdown.install()
    finish = asyncio.Event()
    worker = asyncio.create_task(unit(shutdown, mode, finish))
    reader = asyncio.create_task(commands(shutdown, finish))
    report = await shutdown.wait()
    say(f"report {report.reason} finished={report.finished} cancelled={report.cancelled} "
        f"failures={','.join(report.failures)}")
    reader.cancel()
    await asyncio.gather(worker, return_exceptions=True)
    say("exit")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(float(sys.argv[1]), sys.argv[2])))
