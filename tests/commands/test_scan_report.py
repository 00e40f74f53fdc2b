"""What `scan` and `status` print: the progress line on a terminal and in a log, the end
summary of a pass and of a dry run, and the stale packages."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.commands.scan_report import ProgressLine, print_latest, print_summary
from bot.domain.model import Status, Target
from bot.service.scan import PlannedTransition, ScanProgress, ScanSummary
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.records import PackageRecord, SnapshotCounts

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _feed(line: ProgressLine, clock: Clock, total: int, *, step: float) -> None:
    for done in range(1, total + 1):
        clock.now += step
        line(ScanProgress(done, total, f"pkg-{done:04d}", stale=done // 4))


def test_on_a_terminal_one_line_is_rewritten_in_place() -> None:
    stream, clock = io.StringIO(), Clock()
    line = ProgressLine(stream, tty=True, clock=clock)
    _feed(line, clock, 4, step=0.5)
    line.close()
    text = stream.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n") and text.count("\n") == 1
    last = text.rsplit("\r", 1)[1]
    assert last.startswith("scan: 4/4 packages, 2.0/s, 1 stale (pkg-0004)")


def test_in_a_log_a_line_every_n_packages_or_seconds_and_at_the_end() -> None:
    stream, clock = io.StringIO(), Clock()
    line = ProgressLine(stream, tty=False, clock=clock, every=3, seconds=10.0)
    _feed(line, clock, 7, step=1.0)
    clock.now += 20.0
    line(ScanProgress(8, 9, "slow", stale=0))
    line(ScanProgress(9, 9, "last", stale=0))
    line.close()
    lines = stream.getvalue().splitlines()
    assert [x.split(",")[0] for x in lines] == [
        "scan: 3/7 packages", "scan: 6/7 packages", "scan: 7/7 packages",
        "scan: 8/9 packages", "scan: 9/9 packages",
    ]
    assert "\r" not in stream.getvalue()


def test_the_summary_shows_rows_stale_packages_and_planned_transitions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    summary = ScanSummary(
        run_id=0, packages=3, changes=5, stale={"bash": "Unavailable: 503"},
        rows=Counter({("fedora", "pending"): 2, ("centos-stream", "merged"): 1}),
        dry_run=True,
        planned=[PlannedTransition("bash/a9/x", Target.FEDORA, None, Status.PENDING, "why")],
        skipped=40, deferred={"zsh": "Unavailable: 502 (retry after 09:15)"},
    )
    print_summary(summary)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("dry run: 3 packages, 5 changes, 1 status transitions would be written, "
                      "0 changes gone, 1 stale; 40 unchanged packages not read, 1 waiting for "
                      "a retry")
    assert "waiting for a retry: zsh: Unavailable: 502 (retry after 09:15)" in out
    assert out[1].split() == ["status", "centos-stream", "fedora"]
    assert out[2].split() == ["merged", "1", "0"]
    assert out[3].split() == ["pending", "0", "2"]
    assert "stale: bash: Unavailable: 503" in out
    assert "would set bash/a9/x fedora: new -> pending (why)" in out


def test_status_lists_stale_packages_with_their_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    migrate(engine)
    store = Store(session_factory(engine))
    try:
        print_latest(store)
        assert "no scan yet" in capsys.readouterr().out
        store.upsert_package(PackageRecord("zsh", "rpms/zsh"), now=NOW)
        store.upsert_package(
            PackageRecord("bash", "rpms/bash", stale=True, last_error="Unavailable: 503"), now=NOW
        )
        store.add_snapshot(
            SnapshotCounts({"pending": 2}, {}, {"fedora": 2}, {"a9": 2}, {}, {"<1w": 2}), now=NOW
        )
        print_latest(store)
        out = capsys.readouterr().out
        assert "by status: pending 2" in out and "by age: <1w 2" in out
        assert "stale packages: 1\n    bash: Unavailable: 503\n" in out
    finally:
        engine.dispose()
