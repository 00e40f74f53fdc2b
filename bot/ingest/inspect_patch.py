"""What one patch file is: its identity, what it declares, and why it probably exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.classify import ClassifierRules, Features, classify
from bot.domain.hunks import content_id
from bot.domain.model import ChangeType, Kind, Operation
from bot.domain.patch_id import patch_id
from bot.ingest.patch_header import PatchHeader, parse_patch_header


@dataclass(frozen=True, slots=True)
class PatchReport:
    path: str
    patch_id: str | None
    content_id: str | None
    header: PatchHeader
    kind: Kind
    upstreamable: bool
    evidence: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form of `upstream-bot inspect --json`; keys are only ever added."""
        header = self.header
        return {
            "path": self.path,
            "patch_id": self.patch_id,
            "content_id": self.content_id,
            "declared_status": str(header.declared_status),
            "status_raw": header.status_raw,
            "reason": header.reason,
            "references": [
                {"kind": str(r.kind), "value": r.value, "source": r.source, "url": r.url}
                for r in header.references
            ],
            "cves": list(header.cves),
            "rhel_issues": list(header.rhel_issues),
            "commits": list(header.commits),
            "author": header.author,
            "email": header.email,
            "date": header.date.isoformat() if header.date else None,
            "subject": header.subject,
            "kind": str(self.kind),
            "upstreamable": self.upstreamable,
            "evidence": list(self.evidence),
            "warnings": list(header.warnings),
        }


def inspect_patch(data: bytes, *, path: str, rules: ClassifierRules) -> PatchReport:
    """Identify and classify one patch; never raises on malformed input."""
    header = parse_patch_header(data, path=path)
    name = path.rsplit("/", 1)[-1]
    verdict = classify(
        Features(
            type=ChangeType.PATCH,
            operation=Operation.ADDED,
            name=name,
            subject=header.subject or "",
            description=header.description or "",
            declared_status=header.declared_status,
            cves=header.cves,
        ),
        rules,
    )
    return PatchReport(
        path=path,
        patch_id=patch_id(data),
        content_id=content_id(data),
        header=header,
        kind=verdict.kind,
        upstreamable=verdict.upstreamable,
        evidence=verdict.evidence,
    )
