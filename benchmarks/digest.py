"""Benchmark: one week's digests for 500 owners over a 10,000-change store.

Run: .venv/bin/python benchmarks/digest.py [--changes N] [--owners N] [--database URL]

The store is written by `bot.sandbox.store_world.fill_store` (SQLite in a temporary folder
unless --database names an empty PostgreSQL database). Measured, in the same run:

- the job's way: one set-wise read, every owner's digest and the project digest built and
  rendered (text, HTML, chart), then each turned into a MIME message; wall and CPU time,
  and the peak of Python allocations during it (tracemalloc, in a second pass);
- baseline 1: the project digest alone (the same read), to show what 500 owners add;
- baseline 2: the naive way, one query per owner for their changes and history, then that
  owner's digest, as a per-owner loop over the store would do.

Numbers are printed, never asserted. Target: the job's way under 5 s.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tomllib
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.domain.digest import owner_digest, project_digest, week_window
from bot.domain.digest_input import DigestInputs, PairState, StatusStep
from bot.domain.digest_view import build_view
from bot.domain.digest_week import IsoWeek
from bot.notify.links import Dashboard
from bot.notify.message import Envelope, build_message
from bot.notify.render import Branding, Renderer
from bot.sandbox.store_world import fill_store
from bot.service.digest_prepare import prepare_week, required_references, zone_of
from bot.settings import Settings, parse_settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.store.models import Change, ChangeTarget, StatusTransition

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WEEK = IsoWeek.parse("2026-W47")


def settings_for(owners: list[tuple[str, str]]) -> Settings:
    data = tomllib.loads((ROOT / "config" / "sandbox.toml").read_text(encoding="utf-8"))
    data["owners"] = {username: {"email": email} for username, email in owners}
    return parse_settings(data, source="benchmark", environ={})


def timed(label: str, run: Callable[[], object]) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {label:<48} {wall:7.2f} s wall  {cpu:7.2f} s CPU")
    return wall, cpu, result


def job_way(settings: Settings, store: Store) -> int:
    """What the digest job does before sending: read, build, render, assemble."""
    prepared = prepare_week(settings, store, WEEK)
    assert settings.digest is not None
    size = 0
    for item in prepared.outgoing:
        message = build_message(item.rendered, Envelope(
            sender=settings.digest.from_address, recipient=item.address,
            message_id=item.message_id, date=NOW, list_id=item.list_id,
            list_name=item.list_name, unsubscribe="mailto:bot@example.org",
        ))
        size += len(message.as_bytes())
    return size


def project_only(settings: Settings, store: Store) -> int:
    assert settings.digest is not None
    zone = zone_of(settings.digest)
    window = week_window(WEEK, zone)
    inputs = read_all(store, window.start, window.end, zone)
    view = build_view(inputs, window, required_references=required_references(settings))
    rendered = renderer(settings).project(project_digest(view, inputs, zone=zone))
    return len(rendered.html)


def naive_per_owner(settings: Settings, store: Store) -> int:
    """One query per owner for their pairs and their history, then their digest."""
    assert settings.digest is not None
    zone = zone_of(settings.digest)
    window = week_window(WEEK, zone)
    since = WEEK.shifted(-1).start(zone)
    render = renderer(settings)
    references = required_references(settings)
    shared = read_all(store, window.start, window.end, zone)  # tracking issues and the like
    size = 0
    for owner in settings.owners:
        def mine(session, owner: str = owner.username) -> tuple[list[PairState], list[StatusStep]]:
            rows = session.execute(
                select(Change.id, Change.package, Change.branch, Change.name, Change.type,
                       Change.kind, Change.owner, ChangeTarget.target, ChangeTarget.status,
                       ChangeTarget.reason, ChangeTarget.url, ChangeTarget.evidence,
                       Change.first_seen, Change.gone_at)
                .join(ChangeTarget, ChangeTarget.change_id == Change.id)
                .where(Change.owner == owner)
            ).all()
            pairs = [PairState(*row[:11], evidence=row[11] or {}, first_seen=row[12],
                               gone_at=row[13]) for row in rows]
            ids = sorted({pair.change_id for pair in pairs})
            steps = [StatusStep(*row) for row in session.execute(
                select(StatusTransition.change_id, StatusTransition.target,
                       StatusTransition.from_status, StatusTransition.to_status,
                       StatusTransition.at, StatusTransition.reason)
                .where(StatusTransition.change_id.in_(ids), StatusTransition.at >= since)
                .order_by(StatusTransition.at, StatusTransition.id)
            )]
            return pairs, steps

        pairs, steps = store.read("reading one owner's changes from", mine)
        inputs = DigestInputs(pairs=tuple(pairs), steps=tuple(steps), snapshots=(),
                              scan_runs=(), stale=(), tracking_issues=shared.tracking_issues)
        view = build_view(inputs, window, required_references=references)
        size += len(render.owner(owner_digest(view, owner.username)).html)
    return size


def read_all(store: Store, start: datetime, end: datetime, zone) -> DigestInputs:
    return store.digest_inputs(since=WEEK.shifted(-1).start(zone), week_start=start,
                               week_end=end,
                               trend_since=WEEK.shifted(-11).start(zone) - timedelta(days=1))


def renderer(settings: Settings) -> Renderer:
    return Renderer(dashboard=Dashboard(settings.web.public_url),
                    branding=Branding(settings.distribution.name, "upstream-bot",
                                      "mailto:bot@example.org"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--owners", type=int, default=500)
    parser.add_argument("--packages", type=int, default=1_000)
    parser.add_argument("--database", help="an empty database URL (default: SQLite in /tmp)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'digest.sqlite3'}"
        engine = open_engine(url)
        migrate(engine)
        store = Store(session_factory(engine))
        print(f"store: {args.changes} changes, {args.packages} packages, {args.owners} owners, "
              f"14 weeks of history ({engine.url.get_backend_name()})")
        _, _, world = timed("fill_store (bulk load)", lambda: fill_store(
            store, packages=args.packages, changes=args.changes, owners=args.owners, weeks=14,
            seed=1, now=NOW))
        print(f"  {world.pairs} change/target pairs, {world.transitions} transitions, "  # type: ignore[attr-defined]
              f"{world.rows} rows")  # type: ignore[attr-defined]
        settings = settings_for([(o.username, o.email) for o in world.owners])  # type: ignore[attr-defined]
        prepared = prepare_week(settings, store, WEEK)  # warm caches, count what goes out
        print(f"week {WEEK}: {len(prepared.outgoing) - 1} owner digests + the project digest "
              f"({len(prepared.quiet)} owners with nothing to report)")
        wall, _, size = timed("job: read, build, render, MIME, all digests",
                              lambda: job_way(settings, store))
        print(f"  {size / 1e6:.1f} MB of mail")
        base_wall, _, _ = timed("baseline 1: the project digest alone",
                                lambda: project_only(settings, store))
        naive_wall, _, _ = timed("baseline 2: naive, one query per owner",
                                 lambda: naive_per_owner(settings, store))
        tracemalloc.start()
        job_way(settings, store)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        engine.dispose()
    print(f"peak Python allocations during the job: {peak / 1e6:.0f} MB; "
          f"process peak RSS {rss:.0f} MB")
    print(f"all digests cost {wall / base_wall:.1f}x the project digest alone; "
          f"the naive per-owner way takes {naive_wall / wall:.1f}x as long as the job's way")
    print(f"target: under 5 s -> {'met' if wall < 5 else 'NOT met'} ({wall:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
