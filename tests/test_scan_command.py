"""`upstream-bot scan --once --sandbox-dir` stores a saved world's statuses, and `status`
prints them from the database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _bot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, capture_output=True, text=True,
        timeout=300, check=False,
    )


def test_scan_once_over_a_saved_world_then_status(tmp_path: Path) -> None:
    config = (ROOT.parent / "config/sandbox.toml").read_text()
    (tmp_path / "cfg.toml").write_text(
        config.replace("sqlite:///var/upstream-bot.sqlite3", "sqlite:///db/bot.sqlite3")
    )
    seeded = _bot(tmp_path, "sandbox", "seed", "--dir", "world", "--packages", "8")
    assert seeded.returncode == 0, seeded.stderr
    pairs = int(seeded.stdout.split("(")[1].split()[0])
    scanned = _bot(tmp_path, "scan", "--once", "--sandbox-dir", "world", "--config", "cfg.toml")
    assert scanned.returncode == 0, scanned.stderr
    assert f"{pairs} status transitions" in scanned.stdout
    status = _bot(tmp_path, "status", "--config", "cfg.toml")
    assert status.returncode == 0, status.stderr
    assert "by status: " in status.stdout
    again = _bot(tmp_path, "scan", "--once", "--sandbox-dir", "world", "--config", "cfg.toml")
    assert "0 status transitions" in again.stdout
