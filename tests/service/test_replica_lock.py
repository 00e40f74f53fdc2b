"""bot/service/replica_lock.py: one holder per lock file, named in the refusal."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.service.replica_lock import ReplicaLock, ReplicaLockError


def test_a_second_holder_is_refused_until_the_first_releases(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3.lock"
    first = ReplicaLock.acquire(path)
    with pytest.raises(ReplicaLockError) as refused:
        ReplicaLock.acquire(path)
    assert str(refused.value) == (
        f"process {os.getpid()} already runs on this database (lock file {path})"
    )
    first.release()
    assert not first.held
    first.release()  # a second release does nothing
    second = ReplicaLock.acquire(path)
    assert path.read_text() == f"{os.getpid()}\n"
    second.release()
    assert path.read_text() == ""


def test_a_holder_without_a_pid_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.lock"
    held = ReplicaLock.acquire(path)
    path.write_text("")  # e.g. an older version that wrote nothing
    with pytest.raises(ReplicaLockError, match=r"^another process already runs"):
        ReplicaLock.acquire(path)
    held.release()


def test_a_lock_file_that_cannot_be_created_says_where(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "db.lock"
    with pytest.raises(ReplicaLockError, match=re.escape(f"cannot open the lock file {path}")):
        ReplicaLock.acquire(path)
