"""All checks over the 25 real AlmaLinux autopatch cases of ../shared/corpus.

The corpus keeps only the names of many files a config adds (`add_files`); autopatch puts
those files in the real tree, so `complete_trees` adds a placeholder for each, and the raw
trees are checked separately for the missing files they really lack.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.domain.health import HealthReport, run_checks
from bot.domain.health.files import PATCH_FILE_MISSING
from bot.domain.model import NOT_UPSTREAMABLE_KINDS, Severity
from bot.ingest.analyze import analyze_trees
from bot.ingest.distgit import read_distgit
from tests.fakes.corpus import autopatch_cases
from tests.fakes.rules import ALMALINUX
from tests.ingest.corpus_trees import case_config, case_trees

CASES = autopatch_cases()
PLACEHOLDER = b"placeholder: the corpus keeps only the name of this file\n"

#: What each case reports, read and confirmed against the files (file, line, check, severity).
EXPECTED: dict[str, list[tuple[str, int | None, str, Severity]]] = {
    # shim.rpmmacros still signs with `-a %{SOURCE2}` after the config deleted Source2
    "shim-a9": [("shim.rpmmacros", 126, "dangling-source-reference", Severity.ERROR)],
    # `Patch:` tags are numbered 0 and 1, and `%patch -P  -p1` names no number at all
    "mock-a9": [("mock-a9.spec", 10, "patch-unused", Severity.WARNING)],
    # a branding-only config that bumps neither Release nor %changelog
    "redhat-release": [
        ("redhat-release.spec", 3, "release-suffix-missing", Severity.WARNING),
        ("redhat-release.spec", 21, "changelog-missing", Severity.WARNING),
    ],
    "gnome-shell": [
        ("gnome-shell.spec", 12, "release-suffix-missing", Severity.INFO),
        ("gnome-shell.spec", 280, "changelog-missing", Severity.INFO),
    ],
    "golang-a10s": [
        ("golang-a10s.spec", 137, "release-suffix-missing", Severity.INFO),
        ("golang-a10s.spec", 770, "changelog-missing", Severity.INFO),
    ],
    "rust": [
        ("rust.spec", 3, "release-suffix-missing", Severity.INFO),
        ("rust.spec", 1199, "changelog-missing", Severity.INFO),
    ],
}
#: what the line a finding points at must hold, per check
LINE_HOLDS = {
    "dangling-source-reference": lambda f, text: f.subject in text.replace("%{S:", "%{SOURCE"),
    "patch-unused": lambda f, text: text.endswith(f.subject),
    "patch-unapplied": lambda f, text: text.endswith(f.subject),
    "patch-file-missing": lambda f, text: text.endswith(f.subject),
    "source-file-missing": lambda f, text: text.endswith(f.subject),
    "release-suffix-missing": lambda _f, text: text.startswith("Release:"),
    "changelog-missing": lambda _f, text: text.startswith(("* ", "%autochangelog")),
    "sbat-malformed": lambda f, text: f.subject.endswith(text.strip()),
}


def _added_files(folder: Path) -> list[str]:
    config = yaml.safe_load(case_config(folder).read_text(encoding="utf-8"))
    return [
        item["name"]
        for entry in config.get("actions") or []
        for item in entry.get("add_files") or []
    ]


def complete_trees(folder: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    base, downstream = case_trees(folder)
    for name in _added_files(folder):
        downstream.setdefault(name, PLACEHOLDER)
    return base, downstream


def _report(base: dict[str, bytes], downstream: dict[str, bytes], name: str) -> HealthReport:
    return run_checks(
        read_distgit(base, package=name),
        read_distgit(downstream, package=name),
        rules=ALMALINUX,
    )


@pytest.fixture(params=CASES)
def case(request, corpus: Path):
    folder = corpus / "autopatch" / request.param
    base, downstream = complete_trees(folder)
    return folder, downstream, _report(base, downstream, folder.name)


def test_each_case_reports_exactly_what_was_confirmed(case) -> None:
    folder, _downstream, report = case
    found = [(f.file, f.line, f.check, f.severity) for f in report.findings]
    print(f"\n{folder.name}: " + ("; ".join(f"{c} {s} {p}:{n}" for p, n, c, s in found) or "clean"))
    assert found == EXPECTED.get(folder.name, [])


def test_every_finding_points_at_the_line_it_is_about(case) -> None:
    _folder, downstream, report = case
    for finding in report.findings:
        if finding.line is None:
            continue
        text = downstream[finding.file].decode("utf-8").splitlines()[finding.line - 1]
        assert LINE_HOLDS[finding.check](finding, text), (finding, text)


def test_no_error_where_the_changes_are_only_branding_signing_or_bookkeeping(corpus) -> None:
    quiet = []
    for name in CASES:
        folder = corpus / "autopatch" / name
        raw_base, raw_downstream = case_trees(folder)
        kinds = {
            c.kind
            for c in analyze_trees(raw_base, raw_downstream, rules=ALMALINUX, package=name).changes
        }
        if kinds <= NOT_UPSTREAMABLE_KINDS:
            quiet.append(name)
            report = _report(*complete_trees(folder), name)
            assert report.unsuppressed(Severity.ERROR) == (), name
    print(f"\nonly branding, signing or bookkeeping: {', '.join(quiet)}")
    # cases that are plainly of that kind, so the assertion above is known to have run
    assert {"crash-a8", "fwupd-a9", "redhat-release"} <= set(quiet)


def test_the_raw_corpus_lacks_exactly_the_added_patch_files_it_does_not_carry(corpus) -> None:
    """Without placeholders, each added patch that the corpus has no file for is reported."""
    reported = 0
    for name in CASES:
        folder = corpus / "autopatch" / name
        base, downstream = case_trees(folder)
        report = _report(base, downstream, name)
        missing = [f for f in report.findings if f.check == PATCH_FILE_MISSING]
        absent = {n for n in _added_files(folder) if n not in downstream}
        assert {f.subject for f in missing} <= absent, name
        for finding in missing:
            text = downstream[finding.file].decode().splitlines()[finding.line - 1]
            assert text.endswith(finding.subject)
        reported += len(missing)
    # abrt, anaconda-user-help, cloud-init, dnf (2), efi-rpm-macros, glibc, libdnf (3),
    # libreport, mock (2), pesign, qemu-kvm (2), systemd
    assert reported == 17


def test_a_previous_base_equal_to_the_base_finds_nothing_reverted(case) -> None:
    folder, _downstream, _report = case
    base, downstream = complete_trees(folder)
    base_git = read_distgit(base, package=folder.name)
    report = run_checks(
        base_git,
        read_distgit(downstream, package=folder.name),
        rules=ALMALINUX,
        previous_base=base_git,
    )
    assert [f for f in report.findings if f.check == "upstream-fix-reverted"] == []
    assert report.notes == ()


def test_abrt_commenting_out_a_patch_the_base_just_added_is_a_revert(corpus) -> None:
    """abrt's config comments out Patch0026-28; had the base added 0026 in this import, the
    downstream would drop a fix the base just made, and the check says where."""
    folder = corpus / "autopatch" / "abrt"
    base, downstream = complete_trees(folder)
    added = b"Patch0026: 0026-cli-list-show-a-hint-about-creating-a-case-in-RHTS.patch\n"
    previous = {**base, "abrt.spec": base["abrt.spec"].replace(added, b"")}
    report = run_checks(
        read_distgit(base, package="abrt"),
        read_distgit(downstream, package="abrt"),
        rules=ALMALINUX,
        previous_base=read_distgit(previous, package="abrt"),
    )
    (finding,) = [f for f in report.findings if f.check == "upstream-fix-reverted"]
    assert finding.subject == "0026-cli-list-show-a-hint-about-creating-a-case-in-RHTS.patch"
    text = downstream["abrt.spec"].decode().splitlines()[finding.line - 1]
    assert text == "#" + added.decode().strip()
