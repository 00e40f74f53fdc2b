"""`upstream-bot sandbox seed` on its own: a world, its truth, names from a CSV, and the
refusals a user can meet."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.commands.sandbox_seed import main, read_names
from bot.sandbox.truth import Truth
from bot.sandbox.world import World

CSV = (
    "table,package,al8_branch,al9_branch,al10_branch,kitten10_branch,commentary\n"
    "no_longer_modified,sos,a8,a9,,,- Debrand\n"
    "modified,openssh,a8,a9,a10,a10s,- Debrand\n"
    "modified,pesign,,,a10,a10s,- x86_64_v2\n"
)


@pytest.fixture
def names(tmp_path: Path) -> Path:
    path = tmp_path / "names.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_seeds_a_world_with_its_truth(tmp_path: Path, names: Path, capsys):
    world = tmp_path / "world"
    args = ["--dir", str(world), "--packages", "4", "--now", "2026-11-01", "--names", str(names)]
    assert main(args) == 0
    truth = Truth.from_json(json.loads((world / "truth.json").read_text()))
    assert [p.name for p in truth.packages] == ["openssh", "pesign", "sos", "pkg-0001"]
    assert truth.now == datetime(2026, 11, 1, tzinfo=UTC)
    loaded = World.load(world, clock=lambda: truth.now)
    assert [r.path for r in loaded.repos("gitea", "rpms")] == [
        "rpms/openssh",
        "rpms/pesign",
        "rpms/pkg-0001",
        "rpms/sos",
    ]
    out = capsys.readouterr().out
    assert "seeded 4 packages" in out and "truth.json" in out


def test_refuses_to_overwrite_a_world_unless_forced(tmp_path: Path, names: Path, capsys):
    world = tmp_path / "world"
    args = ["--dir", str(world), "--packages", "1", "--now", "2026-11-01", "--names", str(names)]
    assert main(args) == 0
    assert main(args) == 2
    assert "already holds a world (git); pass --force" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--now", "yesterday"], "--now 'yesterday': expected an ISO 8601 date"),
        (["--packages", "-3"], "packages: -3 is negative"),
    ],
    ids=["bad-now", "negative-count"],
)
def test_bad_input_is_reported(tmp_path: Path, names: Path, extra: list[str], message: str, capsys):
    args = ["--dir", str(tmp_path / "w"), "--names", str(names), *extra]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_names_of_modified_packages_come_first(names: Path, tmp_path: Path):
    assert read_names(names) == ["openssh", "pesign", "sos"]
    assert read_names(None) is None
    other = tmp_path / "other.csv"
    other.write_text("name\nbash\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected a CSV with a `package` column"):
        read_names(other)
