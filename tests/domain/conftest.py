"""Shared helpers for domain tests: real git as the oracle for patch identity."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

GitPatchIds = Callable[[bytes], list[tuple[str, str]]]


def run_git_patch_id(data: bytes, *, cwd: Path) -> list[tuple[str, str]]:
    """What `git patch-id --stable` prints for `data`, as (patch id, commit) pairs."""
    out = subprocess.run(
        ["git", "patch-id", "--stable"], input=data, capture_output=True, check=True, cwd=cwd
    ).stdout
    return [(parts[0], parts[1]) for parts in (line.split() for line in out.decode().splitlines())]


@pytest.fixture(scope="session")
def git_patch_ids(tmp_path_factory: pytest.TempPathFactory) -> GitPatchIds:
    """Runs git outside any repository, so no local config or hash algorithm leaks in."""
    where = tmp_path_factory.mktemp("patch-id-oracle")
    return lambda data: run_git_patch_id(data, cwd=where)
