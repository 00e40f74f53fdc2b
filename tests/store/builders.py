"""Small records for store tests, with overridable defaults."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.domain.model import ChangeType, DeclaredStatus, Kind, Operation
from bot.store import Store
from bot.store.records import BranchRecord, ChangeRecord, PackageRecord

#: A fixed moment for every write; tests never read the clock.
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def change(change_id: str, **overrides: Any) -> ChangeRecord:
    base = ChangeRecord(
        id=change_id,
        type=ChangeType.PATCH,
        operation=Operation.ADDED,
        name=f"{change_id}.patch",
        content_id=f"content-{change_id}",
        kind=Kind.BUGFIX,
        declared_status=DeclaredStatus.SUBMITTED,
        declared_raw="Upstream-Status: Submitted [https://example.org/mr/1]",
        patch_id=f"{change_id:0>40}"[:40],
        evidence={"classified_by": ["header"]},
        owner="jdoe",
    )
    return replace(base, **overrides)


def with_branch(store: Store, package: str = "bash", branch: str = "a9") -> Store:
    """Store ``package`` and its ``branch`` so changes can be recorded on it."""
    store.upsert_package(PackageRecord(name=package, repo=f"rpms/{package}"), now=NOW)
    store.upsert_branch(BranchRecord(package=package, name=branch, base="c9"), now=NOW)
    return store
