"""`upstream-bot sandbox seed`: builds a sandbox world and the truth about it in a directory.

Also runs on its own: `python -m bot.commands.sandbox_seed --dir DIR`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.sandbox.seed import seed_world
from bot.sandbox.seed_downstream import SeedError
from bot.sandbox.seed_names import SeedNameError
from bot.sandbox.world import World

CORPUS_ENV = "UPSTREAM_BOT_CORPUS"
NAMES_CSV = Path("data") / "almalinux-modified-packages-wiki-snapshot.csv"
TRUTH_FILE = "truth.json"


class SeedCommandError(ValueError):
    """Input the command cannot use; the message says what and what to do."""


def add_seed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", type=Path, required=True, metavar="DIR", help="where the world goes"
    )
    parser.add_argument(
        "--packages", type=int, default=300, metavar="N", help="how many packages (300)"
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="the seed (0)")
    parser.add_argument(
        "--now",
        metavar="WHEN",
        help="the moment the world's story is told from, ISO 8601 "
        "(default: today 00:00 UTC, so one day's worlds are identical)",
    )
    parser.add_argument(
        "--names",
        type=Path,
        metavar="CSV",
        help="package names from a CSV's `package` column (default: the corpus's list of "
        "AlmaLinux's modified packages, when the corpus is there)",
    )
    parser.add_argument("--workers", type=int, default=2, help="git writers at once (2)")
    parser.add_argument("--force", action="store_true", help="replace the world already in DIR")


def seed_command(args: argparse.Namespace) -> int:
    try:
        now = _moment(args.now)
        names = read_names(args.names or default_names_csv())
        _prepare(args.dir, force=args.force)
        world = World(args.dir, clock=lambda: now)
        started = time.perf_counter()
        truth = seed_world(
            world,
            packages=args.packages,
            seed=args.seed,
            names=names,
            now=now,
            workers=args.workers,
        )
        world.save()
        (args.dir / TRUTH_FILE).write_text(
            json.dumps(truth.to_json(), separators=(",", ":")) + "\n", encoding="utf-8"
        )
        seconds = time.perf_counter() - started
    except (SeedCommandError, SeedNameError, SeedError, ValueError) as error:
        print(f"upstream-bot sandbox seed: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"upstream-bot sandbox seed: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    modified = sum(package.modified for package in truth.packages)
    pairs = sum(1 for _ in truth.rows())
    print(
        f"seeded {len(truth.packages)} packages ({modified} modified) in {args.dir} "
        f"in {seconds:.1f} s, {_disk(args.dir) / 1e6:.0f} MB"
    )
    print(f"truth: {args.dir / TRUTH_FILE} ({pairs} change/target pairs)")
    print("  " + "  ".join(f"{status} {count}" for status, count in truth.counts().items()))
    return 0


def default_names_csv() -> Path | None:
    """The corpus's snapshot of AlmaLinux's modified packages, if the corpus is there."""
    root = Path(__file__).resolve().parents[2]
    corpus = Path(os.environ.get(CORPUS_ENV, root.parent / "shared" / "corpus"))
    path = corpus / NAMES_CSV
    return path if path.is_file() else None


def read_names(path: Path | None) -> list[str] | None:
    """Package names of a CSV with a `package` column: still-modified ones first."""
    if path is None:
        return None
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    if not rows or "package" not in rows[0]:
        raise SeedCommandError(f"{path}: expected a CSV with a `package` column")
    rows.sort(key=lambda row: row.get("table") != "modified")
    return list(dict.fromkeys(row["package"].strip() for row in rows if row["package"].strip()))


def _moment(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SeedCommandError(
            f"--now {text!r}: expected an ISO 8601 date or time, e.g. 2026-11-01"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _prepare(directory: Path, *, force: bool) -> None:
    """An empty directory for the world; `force` removes a world (and only that) first."""
    parts = [directory / "git", directory / "state.json", directory / TRUTH_FILE]
    found = [path for path in parts if path.exists()]
    if found and not force:
        raise SeedCommandError(
            f"{directory} already holds a world ({found[0].name}); pass --force to replace it"
        )
    for path in found:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    directory.mkdir(parents=True, exist_ok=True)


def _disk(directory: Path) -> int:
    """Bytes the directory takes on disk (blocks, as `du` counts them)."""
    total = 0
    for folder, _, files in os.walk(directory):
        total += Path(folder).stat().st_blocks * 512
        for name in files:
            total += (Path(folder) / name).stat().st_blocks * 512
    return total


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="upstream-bot sandbox seed", description="Build a sandbox world and its truth."
    )
    add_seed_arguments(parser)
    return seed_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
