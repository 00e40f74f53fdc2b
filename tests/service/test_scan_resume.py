"""A scan process SIGKILLed in the middle of a pass, then started again: the second process
resumes the same run where the first stopped, and the store ends with every seeded status,
one transition per (change, target) pair, one finished run and one snapshot."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.domain.change import scoped_id
from bot.sandbox.seed import seed_world
from bot.sandbox.world import World
from bot.store import Store, open_engine, session_factory
from bot.store.models import ScanRun, ScanSnapshot
from bot.store.records import ScanStatus
from tests.sandbox.seeded import NOW
from tests.service.served import ROOT

PACKAGES = 40
KILL_AFTER = 10


def _start(world: Path, database: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.service.scan_process", str(world), database],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_a_killed_scan_resumes_without_losing_or_repeating_anything(tmp_path: Path) -> None:
    world = World(tmp_path / "world", clock=lambda: NOW)
    truth = seed_world(world, packages=PACKAGES, seed=0, now=NOW)
    world.save()
    database = f"sqlite:///{tmp_path / 'bot.sqlite3'}"

    first = _start(tmp_path / "world", database)
    assert first.stdout is not None
    done = 0
    for line in first.stdout:
        if line.startswith("progress "):
            done = int(line.split()[1].split("/")[0])
            if done >= KILL_AFTER:
                first.send_signal(signal.SIGKILL)
                break
    first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL, (first.returncode, first.stderr.read()
                                                  if first.stderr else "")

    second = _start(tmp_path / "world", database)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["resumed"] and summary["finished"] and not summary["stale"]
    # it went on where the first stopped: the packages done before the kill are not read
    assert KILL_AFTER <= PACKAGES - len(summary["touched"]) < PACKAGES

    engine = open_engine(database)
    try:
        store = Store(session_factory(engine))
        wrong, repeated = [], []
        for package, branch, change, row in truth.rows():
            key = scoped_id(package.name, branch.branch, change.id)
            state = store.get_target_status(key, row.target)
            if state is None or state.status is not row.status:
                wrong.append(f"{package.name} {change.name} {row.target}: {state}")
            history = store.status_history(key, row.target)
            if len(history) != 1:
                repeated.append(f"{key} {row.target}: {len(history)} transitions")
        assert not wrong, wrong[:10]
        assert not repeated, repeated[:10]
        with engine.connect() as connection:
            runs = connection.execute(select(ScanRun.id, ScanRun.status)).all()
            snapshots = connection.scalar(select(func.count()).select_from(ScanSnapshot))
        assert [(r.id, ScanStatus(r.status)) for r in runs] == [(summary["run"], ScanStatus.OK)]
        assert snapshots == 1
        assert store.list_packages(stale=True) == []
        assert len(store.list_packages()) == PACKAGES
    finally:
        engine.dispose()
