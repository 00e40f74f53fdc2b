"""Who holds a lease on scan work: `host:pid:nonce`, so that a process restarted on the same
machine can tell which holders are gone and take their work without waiting for the lease
to run out."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterable


def owner_id() -> str:
    """This process's lease owner name; a new nonce each call (one per worker crew)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def dead_owners(
    owners: Iterable[str],
    *,
    host: str | None = None,
    alive: Callable[[int], bool] | None = None,
) -> list[str]:
    """The owners on this host whose process no longer runs; owners elsewhere (another
    replica) are left to their lease's expiry."""
    here = host if host is not None else socket.gethostname()
    running = alive if alive is not None else _alive
    gone = []
    for owner in owners:
        where, _, rest = owner.partition(":")
        pid = rest.partition(":")[0]
        if where == here and pid.isdigit() and int(pid) != os.getpid() and not running(int(pid)):
            gone.append(owner)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
