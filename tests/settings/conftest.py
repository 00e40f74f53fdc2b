"""Shared fixtures for the settings tests: the valid example file and the environment it needs."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = ROOT / "tests" / "data" / "config"

#: The secrets tests/data/config/valid.toml names; distinctive, so a leak is easy to spot.
ENV = {
    "EXAMPLE_GITEA_TOKEN": "gitea-token-value-1f3a",
    "EXAMPLE_WEBHOOK_SECRET": "hook-secret-value-9b2c",
    "EXAMPLE_GITLAB_TOKEN": "gitlab-token-value-77de",
    "EXAMPLE_SMTP_PASSWORD": "smtp-password-value-04aa",
}

#: Marks a key that an edit removes.
DELETE = object()

_VALID = tomllib.loads((DATA / "valid.toml").read_text(encoding="utf-8"))


def _parts(path: str) -> list[str | int]:
    found = re.findall(r"\[\d+\]|[^.\[\]]+", path)
    return [int(part[1:-1]) if part.startswith("[") else part for part in found]


def edited(edits: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of valid.toml's data with each dotted key set to a value (or DELETE'd)."""
    data = copy.deepcopy(_VALID)
    for path, value in edits.items():
        *parents, last = _parts(path)
        node: Any = data
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(part, str) else node[part]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return data


@pytest.fixture
def valid_data() -> dict[str, Any]:
    return edited({})
