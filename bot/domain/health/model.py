"""What a health check is and what it reports: findings with a place, a severity and a fix."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.domain.distgit_model import DistGit
from bot.domain.model import Severity
from bot.domain.rules import AnalysisRules


@dataclass(frozen=True, slots=True)
class HealthInput:
    """The trees one run of the checks looks at."""

    base: DistGit
    downstream: DistGit
    rules: AnalysisRules
    #: the base the downstream was built on before the current import, when known
    previous_base: DistGit | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in the downstream: where it is, how bad, and what to do about it."""

    check: str
    severity: Severity
    message: str
    #: path in the tree where the line lives (the spec, `SOURCES/grub.patches`, ...)
    file: str
    #: 1-based line in `file`; None when the problem has no single line (a missing section)
    line: int | None
    hint: str
    #: what the finding is about (a patch name, `%{SOURCE301}`, an SBAT line); part of the id
    subject: str
    suppressed: bool = False
    #: why it is suppressed, from the configuration
    reason: str | None = None

    @property
    def id(self) -> str:
        """Stable across imports: built from the check and the subject, never from a line number."""
        digest = hashlib.sha256(f"{self.check}\x00{self.subject}".encode("utf-8", "replace"))
        return digest.hexdigest()[:16]

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "check": self.check,
            "severity": str(self.severity),
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "hint": self.hint,
            "subject": self.subject,
            "suppressed": self.suppressed,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Check:
    """A named check: its id, its usual severity, what it looks for, and the function."""

    id: str
    severity: Severity
    summary: str
    run: Callable[[HealthInput], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class HealthReport:
    """All findings of one (base, downstream) pair, and notes on checks that could not run."""

    package: str
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = field(default=())

    def unsuppressed(self, severity: Severity | None = None) -> tuple[Finding, ...]:
        return tuple(
            f
            for f in self.findings
            if not f.suppressed and (severity is None or f.severity == severity)
        )

    @property
    def has_errors(self) -> bool:
        return bool(self.unsuppressed(Severity.ERROR))

    def to_json(self) -> dict[str, object]:
        return {
            "package": self.package,
            "findings": [finding.to_json() for finding in self.findings],
            "notes": list(self.notes),
        }
