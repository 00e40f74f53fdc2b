"""`upstream-bot demo --once` works from a fresh directory as the README says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_once_seeds_serves_and_finds_the_seeded_changes(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "bot",
        "demo",
        "--once",
        "--free-ports",
        "--packages",
        "12",
        "--dir",
        str(tmp_path / "sandbox"),
        "--config",
        str(ROOT / "config/sandbox.toml"),
    ]
    first = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert first.returncode == 0, first.stderr
    assert "(new: 12 packages, seed 0)" in first.stdout
    assert "read 12 packages through the downstream forge's API" in first.stdout
    found = next(line for line in first.stdout.splitlines() if "the seeded truth has" in line)
    total = int(found.split("has ")[1].split()[0])
    assert f"this cycle found {total} of them, and 0 it does not list" in found
    agreeing = next(line for line in first.stdout.splitlines() if "status agrees" in line)
    rows = agreeing.split(" of ")[1].split()[0]
    assert f"agrees with the stored one on {rows} of {rows}" in agreeing
    assert "scan run 1:" in first.stdout
    assert (tmp_path / "sandbox" / "state.json").is_file()
    again = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert again.returncode == 0, again.stderr
    assert "(existing)" in again.stdout and found in again.stdout
    assert "scan run 2:" in again.stdout and "0 status transitions" in again.stdout
