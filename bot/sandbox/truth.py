"""The ground truth of a seeded sandbox world: every downstream change of every package and
branch, and for each target the status a correct scan must find, with the evidence the
world holds for it. `truth.json` is this model's JSON; tests compare scans against it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.model import ChangeType, Kind, Operation, Status, Target

FORMAT = 1


class TruthError(ValueError):
    """A truth document that cannot be read: the message names the field and what is wrong."""


class MatchedBy(StrEnum):
    """The clue the world leaves for a status: what a scan has to compare to find it."""

    #: the same file (name and bytes) is in the target's branch or change request
    FILE_CONTENT = "file-content"
    #: the same diff (patch id, or content id for a bare diff) under another name or header
    PATCH_ID = "patch-id"
    #: only the patch file's name is the same; its content was reworked
    FILE_NAME = "file-name"
    #: only the bot's hidden marker in the change request's body says what it carries
    MARKER = "marker"
    #: the spec lines the downstream adds are already in the target's spec
    SPEC_HUNK = "spec-hunk"
    #: the patch's header names an upstream commit that exists (its diff was reworked)
    DECLARED_BACKPORT = "declared-backport"
    #: the patch's header names a change request, and that request says the status
    DECLARED_URL = "declared-url"
    #: the change's kind (branding, signing, bookkeeping) or its header rules it out
    CLASSIFIED = "classified"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where the world holds the proof: a repository of a forge, and what in it."""

    forge: str
    repo: str
    branch: str | None = None
    #: the commit that carries the change (present, merged) or a change request's head
    sha: str | None = None
    number: int | None = None
    #: the file in the target's tree that carries the change
    path: str | None = None
    #: a URL the patch header declares
    url: str | None = None
    marker: str | None = None


@dataclass(frozen=True, slots=True)
class TargetTruth:
    target: Target
    #: the target's branch (`c9s`, `rawhide`, `main`)
    branch: str
    status: Status
    reason: str
    #: the seed's name for what happened, finer than the status
    story: str
    matched_by: MatchedBy | None = None
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True)
class ChangeTruth:
    """One change as `analyze_trees` reports it for the branch, and its status per target."""

    id: str
    type: ChangeType
    operation: Operation
    name: str
    kind: Kind
    upstreamable: bool
    patch_id: str | None
    content_id: str | None
    #: when the downstream started carrying it (its autopatch commit)
    since: datetime
    targets: tuple[TargetTruth, ...]


@dataclass(frozen=True, slots=True)
class BranchTruth:
    branch: str
    base: str
    base_head: str
    head: str
    #: the autopatch config branch's head, for branches of modified packages
    autopatch_head: str | None
    changes: tuple[ChangeTruth, ...]


@dataclass(frozen=True, slots=True)
class PackageTruth:
    name: str
    modified: bool
    #: the original project on the GitHub sandbox (`upstream/<name>`), if it has one
    project: str | None
    branches: tuple[BranchTruth, ...]


@dataclass(frozen=True, slots=True)
class Truth:
    seed: int
    now: datetime
    packages: tuple[PackageTruth, ...]

    def package(self, name: str) -> PackageTruth:
        for package in self.packages:
            if package.name == name:
                return package
        raise KeyError(f"no package {name!r} in the truth")

    def rows(self) -> Iterator[tuple[PackageTruth, BranchTruth, ChangeTruth, TargetTruth]]:
        """Every (package, branch, change, target) the truth holds, in order."""
        for package in self.packages:
            for branch in package.branches:
                for change in branch.changes:
                    for target in change.targets:
                        yield package, branch, change, target

    def counts(self) -> dict[str, int]:
        """How many (change, target) pairs have each status."""
        return dict(sorted(Counter(str(row[3].status) for row in self.rows()).items()))

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **_dump(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Truth:
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise TruthError(f'truth: expected an object with "format": {FORMAT}')
        return _load(cls, data, "truth")


_TYPES: dict[str, Any] = {
    "target": Target,
    "status": Status,
    "matched_by": MatchedBy,
    "type": ChangeType,
    "operation": Operation,
    "kind": Kind,
}
_NESTED: dict[str, type] = {
    "evidence": Evidence,
    "targets": TargetTruth,
    "changes": ChangeTruth,
    "branches": BranchTruth,
    "packages": PackageTruth,
}


def _dump(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, tuple):
        return [_dump(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _dump(getattr(value, f.name)) for f in fields(value)}
    return value


def _load(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise TruthError(f"{where}: expected an object, got {type(data).__name__}")
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            if f.default is not MISSING:
                continue
            raise TruthError(f"{where}: missing field {f.name!r}")
        raw = data[f.name]
        here = f"{where}.{f.name}"
        try:
            values[f.name] = _value(f.name, raw, here)
        except (TypeError, ValueError) as error:
            if isinstance(error, TruthError):
                raise
            raise TruthError(f"{here}: {raw!r} is not valid: {error}") from None
    return cls(**values)


def _value(name: str, raw: Any, where: str) -> Any:
    if raw is None:
        return None
    if name in _NESTED:
        if name == "evidence":
            return _load(Evidence, raw, where)
        if not isinstance(raw, list):
            raise TruthError(f"{where}: expected a list")
        return tuple(_load(_NESTED[name], item, f"{where}[{i}]") for i, item in enumerate(raw))
    if name in _TYPES:
        return _TYPES[name](raw)
    if name in ("now", "since"):
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            raise TruthError(f"{where}: {raw!r} has no time zone")
        return moment
    return raw
