"""Decides which findings a configured suppression silences, like lintian's overrides."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.domain.health.model import Finding


@dataclass(frozen=True, slots=True)
class Suppression:
    """Silence one check for one package (on one branch, or all); the reason is required."""

    package: str
    check: str
    reason: str
    branch: str | None = None

    def matches(self, finding: Finding, *, package: str, branch: str | None) -> bool:
        if self.package != package or self.check != finding.check:
            return False
        return self.branch is None or self.branch == branch


def apply_suppressions(
    findings: Iterable[Finding],
    suppressions: Iterable[Suppression],
    *,
    package: str,
    branch: str | None = None,
) -> tuple[Finding, ...]:
    """The findings, with the suppressed ones marked (kept, so reports can still show them)."""
    rules = tuple(suppressions)
    result = []
    for finding in findings:
        match = next((s for s in rules if s.matches(finding, package=package, branch=branch)), None)
        result.append(replace(finding, suppressed=True, reason=match.reason) if match else finding)
    return tuple(result)
