"""Shared test configuration: where the corpus is, and which databases to run store tests on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.corpus import CORPUS


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared real-data corpus; tests that need it skip when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}: set UPSTREAM_BOT_CORPUS to ../shared/corpus")
    return CORPUS
