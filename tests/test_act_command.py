"""`upstream-bot act` over a saved sandbox world, as a real process: a dry run prints the
plan and the reasons and leaves the world and the action log alone; the real run then does
the same actions; a second pass only says why each change waits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
PACKAGES = 8


def _bot(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True,
        timeout=600, check=False,
    )


@pytest.fixture
def scanned(tmp_path: Path) -> tuple[Path, Path]:
    """A saved world, scanned into a database of this test's own (the sandbox settings:
    no grace period, a reminder a day)."""
    seeded = _bot(tmp_path, "sandbox", "seed", "--dir", "world", "--packages", str(PACKAGES))
    assert seeded.returncode == 0, seeded.stderr
    text = (ROOT.parent / "config/sandbox.toml").read_text()
    config = tmp_path / "cfg.toml"
    config.write_text(text.replace("sqlite:///var/upstream-bot.sqlite3", "sqlite:///db/bot.sqlite3"))
    scan = _bot(tmp_path, "scan", "--once", "--sandbox-dir", "world", "--config", str(config))
    assert scan.returncode == 0, scan.stderr
    return tmp_path / "world", config


def _world_state(world: Path) -> str:
    """The saved world's records (issues, comments, requests), as `World.save` writes them."""
    return (world / "state.json").read_text()


def test_a_dry_run_prints_the_plan_then_the_real_run_does_it(
    tmp_path: Path, scanned: tuple[Path, Path]
) -> None:
    world, config = scanned
    before = _world_state(world)
    args = ("act", "--sandbox-dir", str(world), "--config", str(config))
    dry = _bot(tmp_path, *args, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "(dry run: nothing is written to any forge)" in dry.stdout
    planned = [line.split()[:4] for line in dry.stdout.splitlines() if line.startswith("  remind")]
    assert planned, dry.stdout
    assert dry.stdout.count("would do") == len(planned)
    assert "waiting: " in dry.stdout and "[earlier-target]" in dry.stdout
    assert _world_state(world) == before

    real = _bot(tmp_path, *args)
    assert real.returncode == 0, real.stderr
    done = [line.split()[:4] for line in real.stdout.splitlines() if line.startswith("  remind")]
    assert done == planned
    assert real.stdout.count("              done: reminded @") >= 1
    assert "tracking issues updated: " in real.stdout

    again = _bot(tmp_path, *args, "--dry-run")
    assert " 0 actions" in again.stdout.splitlines()[0]
    assert "[reminder-cadence]" in again.stdout
