"""A seeded sandbox world shared by the seed tests (built once per session), and readers of
what its git repositories hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox import gitstore
from bot.sandbox.seed import seed_world
from bot.sandbox.truth import Truth
from bot.sandbox.world import World

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
PACKAGES = 60


@dataclass(frozen=True)
class Seeded:
    root: Path
    world: World
    truth: Truth

    def git(self, forge: str, path: str) -> Path:
        return self.world.git_dir(forge, path)


_CACHE: dict[tuple[int, str], Seeded] = {}


def seeded_world(factory: pytest.TempPathFactory, *, seed: int = 0, copy: str = "a") -> Seeded:
    """A 60-package world for `seed`; `copy` names independent builds of the same seed."""
    key = (seed, copy)
    if key not in _CACHE:
        root = factory.mktemp(f"seed{seed}{copy}")
        world = World(root, clock=lambda: NOW)
        truth = seed_world(world, packages=PACKAGES, seed=seed, now=NOW)
        world.save()
        _CACHE[key] = Seeded(root, world, truth)
    return _CACHE[key]


def read_tree(git_dir: Path, ref: str) -> dict[str, bytes]:
    """Every file of `ref`'s tree, read with two git commands."""
    listing = gitstore.run_git(git_dir, "ls-tree", "-r", "-z", ref)
    entries = []
    for record in listing.split(b"\0"):
        if record:
            meta, path = record.split(b"\t", 1)
            entries.append((meta.split()[2].decode(), path.decode()))
    batch = gitstore.run_git(
        git_dir, "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha, _ in entries).encode()
    )
    files, at = {}, 0
    for _, path in entries:
        header_end = batch.index(b"\n", at)
        size = int(batch[at:header_end].split()[2])
        files[path] = batch[header_end + 1 : header_end + 1 + size]
        at = header_end + 1 + size + 1
    return files


def commit_diff(git_dir: Path, sha: str) -> bytes:
    """What a commit changed, as git prints it."""
    return gitstore.run_git(git_dir, "show", "--format=", "--no-color", sha)
