"""A downstream change and its content-based identity."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from bot.domain.model import ChangeType, DeclaredStatus, Kind, Operation


@dataclass(frozen=True, slots=True)
class Change:
    """One downstream modification of the base: a patch, a spec edit, or a source."""

    id: str
    type: ChangeType
    operation: Operation
    name: str
    kind: Kind
    upstreamable: bool
    declared_status: DeclaredStatus
    evidence: tuple[str, ...]
    missing_file: bool = False
    status_raw: str | None = None
    #: where the change is seen: the file and 1-based line in the downstream tree
    #: (the base tree for removals)
    file: str = ""
    line: int | None = None
    patch_id: str | None = None
    content_id: str | None = None
    diff: str = ""
    subject: str | None = None
    author: str | None = None
    references: tuple[str, ...] = field(default=())
    cves: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form other tools parse; keys are only ever added."""
        return {
            "id": self.id,
            "type": str(self.type),
            "operation": str(self.operation),
            "name": self.name,
            "kind": str(self.kind),
            "upstreamable": self.upstreamable,
            "declared_status": str(self.declared_status),
            "status_raw": self.status_raw,
            "evidence": list(self.evidence),
            "missing_file": self.missing_file,
            "file": self.file,
            "line": self.line,
            "patch_id": self.patch_id,
            "content_id": self.content_id,
            "subject": self.subject,
            "author": self.author,
            "references": list(self.references),
            "cves": list(self.cves),
            "diff": self.diff,
        }


def change_id(change_type: ChangeType, operation: Operation, *parts: str) -> str:
    """A stable id from what the change is, never from where or when it was seen.

    autopatch regenerates the downstream branch on every import, so commit ids and line
    numbers change while the content stays; the id is built from content only.
    """
    digest = hashlib.sha256()
    for part in (str(change_type), str(operation), *parts):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


def normalize_lines(lines: tuple[str, ...] | list[str]) -> str:
    """Lines with all whitespace removed, so reindenting does not change an identity."""
    return "\n".join("".join(line.split()) for line in lines if line.strip())


def scoped_id(package: str, branch: str, change: str) -> str:
    """The id of one change on one branch of one package, as the store keys it.

    Analysis ids are content ids: the same fix carried on a9 and a10s, or the same
    bug-tracker patch in dnf and libdnf, has one analysis id but its own upstream status
    on each branch, so the store keys changes by this scoped id.
    """
    return change_id(ChangeType.PATCH, Operation.ADDED, "scope", package, branch, change)
