"""Downstream health checks: named, pure checks over a (base, downstream) pair of dist-git trees.

Each check has an id, a usual severity and a function from `HealthInput` to findings.
`CHECKS` is the explicit list; `run_checks` runs all of them and applies suppressions.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.distgit_model import DistGit
from bot.domain.health.bookkeeping import (
    CHANGELOG_MISSING,
    RELEASE_SUFFIX_MISSING,
    check_changelog,
    check_release_suffix,
)
from bot.domain.health.files import (
    FILE_UNDECLARED,
    PATCH_FILE_MISSING,
    SOURCE_FILE_MISSING,
    check_file_undeclared,
    check_patch_file_missing,
    check_source_file_missing,
)
from bot.domain.health.model import Check, Finding, HealthInput, HealthReport
from bot.domain.health.patches import (
    PATCH_UNAPPLIED,
    PATCH_UNUSED,
    check_patch_unapplied,
    check_patch_unused,
)
from bot.domain.health.references import DANGLING_REFERENCE, check_dangling_reference
from bot.domain.health.reverted import (
    NEEDS_PREVIOUS_BASE,
    UPSTREAM_FIX_REVERTED,
    check_upstream_fix_reverted,
)
from bot.domain.health.sbat import SBAT_MALFORMED, check_sbat_malformed
from bot.domain.health.suppress import Suppression, apply_suppressions
from bot.domain.model import Severity
from bot.domain.rules import AnalysisRules

CHECKS: tuple[Check, ...] = (
    Check(
        PATCH_UNAPPLIED,
        Severity.ERROR,
        "a patch the base applies is still declared downstream but no longer applied",
        check_patch_unapplied,
    ),
    Check(
        PATCH_UNUSED,
        Severity.WARNING,
        "a patch the downstream adds is applied by nothing",
        check_patch_unused,
    ),
    Check(
        PATCH_FILE_MISSING,
        Severity.ERROR,
        "a Patch tag names a file that is neither in the tree nor in the lookaside listing",
        check_patch_file_missing,
    ),
    Check(
        SOURCE_FILE_MISSING,
        Severity.WARNING,
        "a Source tag names a file that is neither in the tree nor in the lookaside listing",
        check_source_file_missing,
    ),
    Check(
        FILE_UNDECLARED,
        Severity.WARNING,
        "a file the downstream adds is named by no Source or Patch tag",
        check_file_undeclared,
    ),
    Check(
        DANGLING_REFERENCE,
        Severity.ERROR,
        "%{SOURCEn}, %{PATCHn}, %{S:n} or %{P:n} names a tag the spec does not declare",
        check_dangling_reference,
    ),
    Check(
        SBAT_MALFORMED,
        Severity.ERROR,
        "an SBAT line has the wrong number of fields or a mis-formed vendor component",
        check_sbat_malformed,
    ),
    Check(
        RELEASE_SUFFIX_MISSING,
        Severity.WARNING,
        "a modified package's Release lacks the distribution's suffix",
        check_release_suffix,
    ),
    Check(
        CHANGELOG_MISSING,
        Severity.WARNING,
        "a modified package has no new %changelog entry",
        check_changelog,
    ),
    Check(
        UPSTREAM_FIX_REVERTED,
        Severity.WARNING,
        "a downstream edit undoes a change the base made since the previous import",
        check_upstream_fix_reverted,
    ),
)

#: every check id, for validating suppressions in the configuration
CHECK_IDS: tuple[str, ...] = tuple(check.id for check in CHECKS)

_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def run_checks(
    base: DistGit,
    downstream: DistGit,
    *,
    rules: AnalysisRules,
    suppressions: Iterable[Suppression] = (),
    previous_base: DistGit | None = None,
    branch: str | None = None,
    checks: Iterable[Check] = CHECKS,
) -> HealthReport:
    """Run the checks; findings come sorted by severity, then file and line."""
    given = HealthInput(base, downstream, rules, previous_base)
    chosen = tuple(checks)
    findings: list[Finding] = []
    for check in chosen:
        findings.extend(check.run(given))
    notes = []
    if previous_base is None and any(c.id == UPSTREAM_FIX_REVERTED for c in chosen):
        notes.append(NEEDS_PREVIOUS_BASE)
    marked = apply_suppressions(findings, suppressions, package=downstream.package, branch=branch)
    ordered = sorted(
        marked, key=lambda f: (_ORDER[f.severity], f.file, f.line or 0, f.check, f.subject)
    )
    return HealthReport(package=downstream.package, findings=tuple(ordered), notes=tuple(notes))


__all__ = [
    "CHECKS",
    "CHECK_IDS",
    "Check",
    "Finding",
    "HealthInput",
    "HealthReport",
    "Suppression",
    "run_checks",
]
