"""What `scan` and `status` print: the progress of a pass, its end summary, and the stored
inventory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from bot.domain.model import Target
from bot.service.scan import ScanProgress, ScanSummary
from bot.settings import Settings
from bot.store import Store

#: planned transitions a dry run lists before it says how many more there are
PLANNED_SHOWN = 50


class ProgressLine:
    """Reports a pass's progress: on a terminal one line rewritten in place, elsewhere (a
    log, a pipe) a line every `every` packages or `seconds`, and at the end."""

    def __init__(
        self,
        stream: TextIO,
        *,
        tty: bool,
        clock: Callable[[], float],
        every: int = 25,
        seconds: float = 10.0,
    ) -> None:
        self._stream = stream
        self._tty = tty
        self._clock = clock
        self._every = every
        self._seconds = seconds
        self._started = clock()
        self._last = self._started
        self._drawn = False

    def __call__(self, progress: ScanProgress) -> None:
        now = self._clock()
        elapsed = now - self._started
        rate = progress.done / elapsed if elapsed > 0 else 0.0
        text = (
            f"scan: {progress.done}/{progress.total} packages, {rate:.1f}/s, "
            f"{progress.stale} stale"
        )
        if self._tty:
            self._stream.write(f"\r{text} ({progress.package})\x1b[K")
            self._drawn = True
        elif (
            progress.done % self._every == 0
            or now - self._last >= self._seconds
            or progress.done == progress.total
        ):
            self._stream.write(f"{text}\n")
            self._last = now
        self._stream.flush()

    def close(self) -> None:
        """End the terminal line, so what follows starts on its own."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False


def print_summary(summary: ScanSummary) -> None:
    """The end of a pass: counts, the rows by status and target, stale packages and why."""
    what = "dry run" if summary.dry_run else f"scan run {summary.run_id}"
    verb = "would be written" if summary.dry_run else ""
    transitions = len(summary.planned) if summary.dry_run else summary.transitions
    resumed = " (resumed)" if summary.resumed else ""
    print(f"{what}{resumed}: {summary.packages} packages, {summary.changes} changes, "
          f"{transitions} status transitions{' ' + verb if verb else ''}, "
          f"{summary.gone} changes gone, {len(summary.stale)} stale; "
          f"{summary.skipped} unchanged packages not read, {len(summary.deferred)} waiting "
          "for a retry")
    targets = sorted({target for target, _ in summary.rows})
    statuses = sorted({status for _, status in summary.rows})
    if targets:
        print(f"{'status':<12}" + "".join(f"{t:>15}" for t in targets))
        for status in statuses:
            print(f"{status:<12}" + "".join(f"{summary.rows[(t, status)]:>15}" for t in targets))
    for package, error in sorted(summary.stale.items()):
        print(f"stale: {package}: {error}")
    for package, why in sorted(summary.deferred.items()):
        print(f"waiting for a retry: {package}: {why}")
    for planned in summary.planned[:PLANNED_SHOWN]:
        print(f"would set {planned.change_id} {planned.target}: "
              f"{planned.from_status or 'new'} -> {planned.to_status} ({planned.reason or ''})")
    if len(summary.planned) > PLANNED_SHOWN:
        print(f"... and {len(summary.planned) - PLANNED_SHOWN} more")


def print_package(settings: Settings, store: Store, package: str, *, now: datetime) -> None:
    """One package's changes per branch, each with its status, reason and age per target."""
    record = store.get_package(package)
    if record is None:
        print(f"{package}: not in the database; run `upstream-bot scan --once --package {package}`")
        return
    stale = f" (stale: {record.last_error})" if record.stale else ""
    print(f"{record.name} ({record.repo}){stale}")
    for mapping in settings.branches:
        if store.get_branch(package, mapping.downstream) is None:
            continue
        for change in store.list_changes(package, mapping.downstream):
            age = (now - change.first_seen).days
            print(f"  {mapping.downstream} {change.record.name} [{change.record.kind}] "
                  f"first seen {change.first_seen:%Y-%m-%d} ({age} days)")
            for target in Target:
                state = store.get_target_status(change.record.id, target)
                if state is not None:
                    print(f"    {target:<14} {state.status:<11} since "
                          f"{state.updated_at:%Y-%m-%d}  {state.reason or ''}")


def print_latest(store: Store) -> None:
    """The last scan's counts and the packages now stale, with their errors."""
    latest = store.latest_snapshots(1)
    if not latest:
        print("no scan yet; run `upstream-bot scan --once`")
        return
    snapshot = latest[0]
    print(f"last scan {snapshot.taken_at:%Y-%m-%d %H:%M} UTC (run {snapshot.scan_run_id})")
    for label, counts in (("status", snapshot.counts.by_status),
                          ("target", snapshot.counts.by_target),
                          ("branch", snapshot.counts.by_branch),
                          ("age", snapshot.counts.by_age)):
        print(f"  by {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    stale = store.list_packages(stale=True)
    print(f"  stale packages: {len(stale)}")
    for package in stale:
        print(f"    {package.name}: {package.last_error}")
