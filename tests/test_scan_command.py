"""`upstream-bot scan` over a saved sandbox world, as a real process: one pass (`--once`,
with its progress and summary), a dry run that writes nothing, the scheduled scan stopped by
SIGTERM, and `status` printing what the database holds."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox.truth import Truth

ROOT = Path(__file__).resolve().parent
PACKAGES = 8


def _bot(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True,
        timeout=300, check=False,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A saved 8-package world and how many (change, target) pairs its truth has."""
    where = tmp_path_factory.mktemp("scan-command")
    seeded = _bot(where, "sandbox", "seed", "--dir", "world", "--packages", str(PACKAGES))
    assert seeded.returncode == 0, seeded.stderr
    truth = next(line for line in seeded.stdout.splitlines() if line.startswith("truth: "))
    return where / "world", int(truth.split("(")[1].split()[0])


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The sandbox settings with a database of this test's own."""
    text = (ROOT.parent / "config/sandbox.toml").read_text()
    path = tmp_path / "cfg.toml"
    path.write_text(text.replace("sqlite:///var/upstream-bot.sqlite3", "sqlite:///db/bot.sqlite3"))
    return path


def test_scan_once_over_a_saved_world_then_status(
    tmp_path: Path, world: tuple[Path, int], config: Path
) -> None:
    where, pairs = world
    scan = ("scan", "--once", "--sandbox-dir", str(where), "--config", str(config))
    scanned = _bot(tmp_path, *scan)
    assert scanned.returncode == 0, scanned.stderr
    assert f"{PACKAGES} packages" in scanned.stdout
    assert f", {pairs} status transitions" in scanned.stdout
    # not a terminal: progress comes as whole lines on standard error, the last at the end
    assert f"scan: {PACKAGES}/{PACKAGES} packages, " in scanned.stderr
    assert "\r" not in scanned.stderr
    status = _bot(tmp_path, "status", "--config", str(config))
    assert status.returncode == 0, status.stderr
    assert "by status: " in status.stdout and "stale packages: 0" in status.stdout
    again = _bot(tmp_path, *scan)
    assert ", 0 status transitions" in again.stdout


def test_a_dry_run_lists_what_it_would_write_and_writes_nothing(
    tmp_path: Path, world: tuple[Path, int], config: Path
) -> None:
    where, pairs = world
    dry = _bot(tmp_path, "scan", "--once", "--dry-run", "--sandbox-dir", str(where),
               "--config", str(config))
    assert dry.returncode == 0, dry.stderr
    assert f"dry run: {PACKAGES} packages" in dry.stdout
    assert f", {pairs} status transitions would be written" in dry.stdout
    assert dry.stdout.count("\nwould set ") == min(pairs, 50)
    status = _bot(tmp_path, "status", "--config", str(config))
    assert "no scan yet" in status.stdout
    refused = _bot(tmp_path, "scan", "--dry-run", "--config", str(config))
    assert refused.returncode == 2 and "--dry-run needs --once" in refused.stderr


def test_status_of_one_package_shows_each_target_with_reason_and_age(
    tmp_path: Path, world: tuple[Path, int], config: Path
) -> None:
    where, _ = world
    truth = Truth.from_json(json.loads((where / "truth.json").read_text()))
    package = next(package.name for package, _, _, _ in truth.rows())
    scanned = _bot(tmp_path, "scan", "--once", "--package", package, "--sandbox-dir",
                   str(where), "--config", str(config))
    assert scanned.returncode == 0, scanned.stderr
    assert "1 packages" in scanned.stdout
    shown = _bot(tmp_path, "status", package, "--config", str(config)).stdout
    assert shown.startswith(f"{package} (rpms/{package})\n")
    lines = shown.splitlines()
    assert any(" first seen " in line and line.endswith("(0 days)") for line in lines)
    targets = [line.split() for line in lines if line.startswith("    ")]
    assert targets and all(t[0] in ("centos-stream", "fedora", "project") for t in targets)
    assert all(t[2] == "since" for t in targets)
    unknown = _bot(tmp_path, "status", "no-such-package", "--config", str(config))
    assert "not in the database" in unknown.stdout


async def test_the_scheduled_scan_runs_at_once_and_stops_cleanly_on_sigterm(
    tmp_path: Path, world: tuple[Path, int], config: Path
) -> None:
    where, pairs = world
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "scan", "--sandbox-dir", str(where), "--config", str(config),
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        lines: list[str] = []
        while not lines or not lines[-1].startswith("scan run 1:"):
            line = await asyncio.wait_for(process.stdout.readline(), 300)
            assert line, "the scheduled scan ended before its first pass"
            lines.append(line.decode())
        assert lines[0].startswith("scanning now, then every 15m")
        assert f", {pairs} status transitions" in lines[-1]
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    assert out.decode().splitlines()[-1] == "stopped"
    assert "job finished" in err.decode()
