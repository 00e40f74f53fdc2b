"""A replica for the leader-election tests: runs `open_leadership` on the database given in
argv and prints one line per event ("standby", "gained", "lost <why>", "exit"), flushed,
so the test reads what each process believes. SIGTERM calls `stop()`.

    python leader_replica.py DATABASE_URL LOCK_KEY
"""

from __future__ import annotations

import asyncio
import signal
import sys

from bot.service.leader import LeadershipError, Loss, Timing, open_leadership

#: short enough that a test waits a few seconds, long enough for a shared 2-core machine
TIMING = Timing(retry=0.2, check=0.2, timeout=5.0)


def say(line: str) -> None:
    print(line, flush=True)


async def gained() -> None:
    say("gained")


async def lost(loss: Loss) -> None:
    say(f"lost {loss}")


async def main(url: str, key: int) -> int:
    try:
        leadership = open_leadership(url, key=key, on_gain=gained, on_lose=lost, timing=TIMING)
    except LeadershipError as error:
        say(f"refused {error}")
        return 3
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, leadership.stop)
    say("standby")
    await leadership.run()
    say("exit")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], int(sys.argv[2]))))
