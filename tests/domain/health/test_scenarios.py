"""Whole trees in tests/data/health: every finding exactly, each pointing at the right line."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.health import Suppression
from bot.domain.model import Severity

from .builders import fixture_report, text_at

GSD_PATCHES = [
    (16, "0001-power-Respect-the-power-button-action-on-suspend.patch"),
    (17, "0001-power-Fix-power-button-handling-with-GDM.patch"),
    (18, "0002-power-Ignore-lid-switch-when-GDM-is-running.patch"),
    (19, "0001-smartcard-Only-lock-the-screen-once.patch"),
]


def test_gnome_settings_daemon_reports_the_four_dropped_red_hat_fixes() -> None:
    """SCENARIOS.md §5: %autosetup replaced by an explicit list that forgets four patches."""
    report, trees = fixture_report("gnome-settings-daemon")
    assert [(f.check, f.severity, f.file, f.line) for f in report.findings] == [
        ("patch-unapplied", Severity.ERROR, "gnome-settings-daemon.spec", line)
        for line, _name in GSD_PATCHES
    ]
    for finding, (_line, name) in zip(report.findings, GSD_PATCHES, strict=True):
        assert finding.subject == name
        assert text_at(trees["downstream"], finding).endswith(name)
    assert report.has_errors


def test_grub2_reports_each_kind_of_slip_at_its_line() -> None:
    report, trees = fixture_report("grub2")
    found = [(f.check, f.severity, f.file, f.line) for f in report.findings]
    assert found == [
        ("patch-file-missing", Severity.ERROR, "SOURCES/grub.patches", 6),
        ("sbat-malformed", Severity.ERROR, "SOURCES/sbat.csv.in", 4),
        ("dangling-source-reference", Severity.ERROR, "SPECS/grub2.spec", 23),
        ("file-undeclared", Severity.WARNING, "SOURCES/almalinux-grub-theme.png", None),
    ]
    downstream = trees["downstream"]
    missing, sbat, dangling, _undeclared = report.findings
    assert text_at(downstream, missing) == "Patch1000: 1000-Fix-chainloader-on-AlmaLinux.patch"
    assert text_at(downstream, sbat).startswith("grub,almalinux,2,AlmaLinux,")
    assert text_at(downstream, dangling) == "%define old_sb_ca\t%{SOURCE14}"


def test_a_suppression_silences_one_check_for_one_package_and_keeps_the_finding() -> None:
    reason = "the power patches are replaced by 1000-almalinux-default-wallpaper.patch"
    suppress = [Suppression("gnome-settings-daemon", "patch-unapplied", reason)]
    report, _trees = fixture_report("gnome-settings-daemon", suppressions=suppress)
    assert len(report.findings) == 4
    assert all(f.suppressed and f.reason == reason for f in report.findings)
    assert not report.has_errors
    assert report.unsuppressed() == ()


def test_a_suppression_for_another_branch_package_or_check_does_not_apply() -> None:
    others = [
        Suppression("gnome-settings-daemon", "patch-unapplied", "only on a8", branch="a8"),
        Suppression("gnome-shell", "patch-unapplied", "another package"),
        Suppression("gnome-settings-daemon", "patch-unused", "another check"),
    ]
    report, _trees = fixture_report("gnome-settings-daemon", suppressions=others, branch="a9")
    assert not any(f.suppressed for f in report.findings)
    same_branch = [Suppression("gnome-settings-daemon", "patch-unapplied", "a9 only", branch="a9")]
    report, _trees = fixture_report("gnome-settings-daemon", suppressions=same_branch, branch="a9")
    assert all(f.suppressed for f in report.findings)


def test_finding_ids_depend_on_content_not_on_lines() -> None:
    report, _trees = fixture_report("gnome-settings-daemon")
    ids = [f.id for f in report.findings]
    assert len(set(ids)) == 4
    first = report.findings[0]
    assert replace(first, line=99, file="SPECS/x.spec").id == first.id
    assert replace(first, subject="other.patch").id != first.id


def test_the_json_form_has_the_documented_keys() -> None:
    report, _trees = fixture_report("grub2")
    document = report.to_json()
    assert document["package"] == "grub2"
    assert document["notes"] == [
        "upstream-fix-reverted did not run: it needs the previous base (--previous-base)"
    ]
    for item in document["findings"]:
        assert {"id", "check", "severity", "message", "file", "line", "hint", "suppressed"} <= set(
            item
        )
