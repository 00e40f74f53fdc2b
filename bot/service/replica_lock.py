"""One process per SQLite database: an exclusive `flock` on a file beside it, naming its holder.

The kernel drops the lock when the holding process exits, however it exits, so a crashed
replica never leaves a stale lock behind; the pid written into the file only makes the
refusal readable.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class ReplicaLockError(RuntimeError):
    """Another process holds the lock; the message names the file and, if known, its pid."""


class ReplicaLock:
    """A held lock on `path`; `release()` (or the process's exit) frees it."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, path: str | os.PathLike[str]) -> ReplicaLock:
        """Take the lock without waiting; `ReplicaLockError` when another process has it."""
        where = Path(path)
        try:
            # os.open descriptors are not inherited by child processes (git, ...)
            descriptor = os.open(where, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise ReplicaLockError(f"cannot open the lock file {where}: {error.strerror}") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(descriptor)
            os.close(descriptor)
            who = f"process {holder}" if holder else "another process"
            raise ReplicaLockError(
                f"{who} already runs on this database (lock file {where})"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        return cls(where, descriptor)

    @property
    def held(self) -> bool:
        return self._descriptor is not None

    def release(self) -> None:
        """Free the lock; the file stays (removing it would race with a process taking it)."""
        if self._descriptor is None:
            return
        descriptor, self._descriptor = self._descriptor, None
        os.ftruncate(descriptor, 0)
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def _read_pid(descriptor: int) -> int | None:
    text = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
