"""apply_config per action kind, on small specs modeled on the corpus."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest.autopatch.apply import OutcomeStatus, apply_config
from bot.ingest.autopatch.model import Action
from bot.ingest.autopatch.outcome import COUNT_MISMATCH, FIND_MISSING, LINE_MISSING, TARGET_MISSING
from bot.ingest.autopatch.parse import (
    AddFile,
    AddLine,
    AutopatchConfig,
    Changelog,
    DeleteFile,
    DeleteLine,
    FileKind,
    Location,
    ModifyRelease,
    Replace,
    RunScript,
    parse_config,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "autopatch"
DATE = "Tue Jan 14 2025"
APPLIED, PARTIAL, FAILED = OutcomeStatus.APPLIED, OutcomeStatus.PARTIAL, OutcomeStatus.FAILED
SKIPPED, UNSUPPORTED = OutcomeStatus.SKIPPED, OutcomeStatus.UNSUPPORTED

TWO_RELEASES = """\
Name: pair
Version: 1.0
Release: 4%{?dist}
# Upstream Vendor Linux support notes
Summary: Upstream Vendor Linux pair

%package libs
Version: 0.3
Release: 9.%{?dist}
Summary: Upstream Vendor Linux pair libraries

%description
Pair.

%changelog
* Mon Jan 06 2025 P <p@example.com> - 1.0-4
- Built for Upstream Vendor Linux
"""

AUTORELEASE_DEFINED = """\
%define autorelease(e:s:pb:n) %{?-p:0.}%{lua:
    release_number = 3;
    print(release_number);
}%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}
Name: tick
Version: 1
Release: %autorelease
"""

NO_TAGS = "Name: bare\nSummary: nothing else\n\n%description\nBare.\n"


def _spec(name: str) -> str:
    return (DATA / "specs" / name).read_text() if name.endswith(".spec") else name


def _package(spec: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    files = {"pkg.spec": _spec(spec)}
    files.update(extra or {})
    return files


def _diff(before: str, after: str) -> list[str]:
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    return [line for line in lines[2:] if not line.startswith("@@")]


def _one(kind: str, *entries: str) -> str:
    """An action block with flow-style entries."""
    return f"  - {kind}:\n" + "".join(f"      - {entry}\n" for entry in entries)


def _run(spec, text, extra=None, **options):
    config = parse_config("actions:\n" + text, path="case.yaml")
    files = _package(spec, extra)
    return files, apply_config(config, files, spec_name="pkg.spec", changelog_date=DATE, **options)


CASES = [
    # (id, spec, actions YAML, file to compare, expected diff, expected statuses, extra files)
    (
        "replace-literal-count",
        "classic.spec",
        _one(
            "replace", "{target: spec, find: Upstream Vendor Linux, replace: AlmaLinux, count: 2}"
        ),
        "pkg.spec",
        [
            "-Widget, as shipped by Upstream Vendor Linux.",
            "-Report bugs to Upstream Vendor Linux support.",
            "+Widget, as shipped by AlmaLinux.",
            "+Report bugs to AlmaLinux support.",
        ],
        [APPLIED],
        None,
    ),
    (
        "replace-stops-at-changelog-and-skips-comments",
        TWO_RELEASES,
        _one("replace", "{target: spec, find: Upstream Vendor Linux, replace: AlmaLinux}"),
        "pkg.spec",
        [
            "-Summary: Upstream Vendor Linux pair",
            "+Summary: AlmaLinux pair",
            "-Summary: Upstream Vendor Linux pair libraries",
            "+Summary: AlmaLinux pair libraries",
        ],
        [APPLIED],
        None,
    ),
    (
        "replace-a-comment-when-find-is-one",
        TWO_RELEASES,
        _one("replace", "{target: spec, find: '# Upstream Vendor Linux', replace: '# AlmaLinux'}"),
        "pkg.spec",
        ["-# Upstream Vendor Linux support notes", "+# AlmaLinux support notes"],
        [APPLIED],
        None,
    ),
    (
        "replace-regex-with-group",
        "classic.spec",
        _one(
            "replace",
            "{target: spec, rfind: 'with-vendor=(\\w+)', replace: 'with-vendor=alma-\\1',"
            " count: 1}",
        ),
        "pkg.spec",
        ["-%configure --with-vendor=upstream \\", "+%configure --with-vendor=alma-upstream \\"],
        [APPLIED],
        None,
    ),
    (
        "replace-one-line-by-block-keeps-indent",
        "classic.spec",
        "  - replace:\n      - target: spec\n        find: '--disable-docs'\n        replace: |\n"
        "          --disable-docs \\\n          --disable-tests\n        count: 1\n",
        "pkg.spec",
        ["-    --disable-docs", "+    --disable-docs \\", "+    --disable-tests"],
        [APPLIED],
        None,
    ),
    (
        "replace-block-ignores-indent",
        "classic.spec",
        "  - replace:\n      - target: spec\n        find: |\n          --enable-telemetry \\\n"
        "          --disable-docs\n        replace: |\n          --disable-telemetry \\\n"
        "          --disable-docs\n",
        "pkg.spec",
        ["-    --enable-telemetry \\", "+    --disable-telemetry \\"],
        [APPLIED],
        None,
    ),
    (
        "replace-in-a-patch-file",
        "classic.spec",
        "  - replace:\n      - target: widget-vendor-defaults.patch\n        find: |\n"
        '          -vendor = "upstream"\n          +vendor = "rhel"\n        replace: |\n'
        '          -vendor = "upstream"\n          +vendor = "almalinux"\n',
        "widget-vendor-defaults.patch",
        ['-+vendor = "rhel"', '++vendor = "almalinux"'],
        [APPLIED],
        {
            "widget-vendor-defaults.patch": (
                DATA / "package" / "widget-vendor-defaults.patch"
            ).read_text()
        },
    ),
    (
        "replace-glob-target",
        "classic.spec",
        _one("replace", "{target: '*.patch', find: rhel, replace: almalinux, count: 1}"),
        "widget-vendor-defaults.patch",
        ['-+vendor = "rhel"', '++vendor = "almalinux"'],
        [APPLIED],
        {
            "widget-vendor-defaults.patch": (
                DATA / "package" / "widget-vendor-defaults.patch"
            ).read_text()
        },
    ),
    (
        "replace-empty-leaves-the-indent",
        "classic.spec",
        _one("replace", "{target: spec, find: '--enable-telemetry \\', replace: '', count: 1}"),
        "pkg.spec",
        ["-    --enable-telemetry \\", "+    "],
        [APPLIED],
        None,
    ),
    (
        "replace-find-missing",
        "classic.spec",
        _one("replace", "{target: spec, find: Red Hat, replace: AlmaLinux}"),
        "pkg.spec",
        [],
        [FAILED],
        None,
    ),
    (
        "replace-count-mismatch",
        "classic.spec",
        _one(
            "replace", "{target: spec, find: Upstream Vendor Linux, replace: AlmaLinux, count: 3}"
        ),
        "pkg.spec",
        [
            "-Widget, as shipped by Upstream Vendor Linux.",
            "-Report bugs to Upstream Vendor Linux support.",
            "+Widget, as shipped by AlmaLinux.",
            "+Report bugs to AlmaLinux support.",
        ],
        [PARTIAL],
        None,
    ),
    (
        "replace-target-missing",
        "classic.spec",
        _one("replace", "{target: sbat.csv.in, find: a, replace: b}"),
        "pkg.spec",
        [],
        [FAILED],
        None,
    ),
    (
        "delete-one-line",
        "classic.spec",
        "  - delete_line:\n      - target: spec\n        lines: ['--enable-telemetry \\']\n",
        "pkg.spec",
        ["-    --enable-telemetry \\"],
        [APPLIED],
        None,
    ),
    (
        "delete-block-and-line",
        "classic.spec",
        "  - delete_line:\n      - target: spec\n        lines:\n"
        "          - |\n            %files tools\n"
        "            %{_bindir}/widget-tool\n          - 'make'\n",
        "pkg.spec",
        ["-make", "-%files tools", "-%{_bindir}/widget-tool"],
        [APPLIED, APPLIED],
        None,
    ),
    (
        "delete-needs-the-whole-line",
        "classic.spec",
        _one("delete_line", "{target: spec, lines: ['--enable-telemetry', 'make']}"),
        "pkg.spec",
        ["-make"],
        [FAILED, APPLIED],
        None,
    ),
    (
        "release-suffix",
        "classic.spec",
        _one("modify_release", "{suffix: .alma.1, enabled: true}"),
        "pkg.spec",
        ["-Release: %{base_rel}%{?dist}", "+Release: %{base_rel}%{?dist}.alma.1"],
        [APPLIED],
        None,
    ),
    (
        "release-every-release-line",
        TWO_RELEASES,
        _one("modify_release", "{suffix: .alma.1}"),
        "pkg.spec",
        [
            "-Release: 4%{?dist}",
            "+Release: 4%{?dist}.alma.1",
            "-Release: 9.%{?dist}",
            "+Release: 9.%{?dist}.alma.1",
        ],
        [APPLIED],
        None,
    ),
    (
        "release-autorelease-left-alone",
        "autorelease.spec",
        _one("modify_release", "{suffix: .alma.1}"),
        "pkg.spec",
        [],
        [SKIPPED],
        None,
    ),
    (
        "release-autorelease-template",
        AUTORELEASE_DEFINED,
        _one("modify_release", "{suffix: .alma.1}"),
        "pkg.spec",
        [
            "-}%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}",
            "+}%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}.alma.1",
        ],
        [APPLIED],
        None,
    ),
    (
        "release-disabled-stops-the-block",
        "classic.spec",
        _one("modify_release", "{suffix: .alma.1, enabled: false}\n      - {suffix: .alma.2}"),
        "pkg.spec",
        [],
        [SKIPPED, SKIPPED],
        None,
    ),
    (
        "release-missing",
        NO_TAGS,
        _one("modify_release", "{suffix: .alma.1}"),
        "pkg.spec",
        [],
        [FAILED],
        None,
    ),
    (
        "changelog-first-entry-on-top",
        "classic.spec",
        _one(
            "changelog_entry",
            "{name: Ada, email: ada@example.org, line: [Debrand, 'Resolves: #1']}",
            "{name: Bo, email: bo@example.org, line: [Add x86_64_v2]}",
        ),
        "pkg.spec",
        [
            f"+* {DATE} Ada <ada@example.org> - 2:1.4-3",
            "+- Debrand",
            "+- Resolves: #1",
            "+",
            f"+* {DATE} Bo <bo@example.org> - 2:1.4-3",
            "+- Add x86_64_v2",
            "+",
        ],
        [APPLIED, APPLIED],
        None,
    ),
    (
        "changelog-wraps-at-80",
        "sources_only.spec",
        "  - changelog_entry:\n      - name: Ada\n        email: ada@example.org\n        line:\n"
        "          - 'Enable v3d for Raspberry Pi graphics (Resolves: https://github.com/example/pi/issues/32)'\n",
        "pkg.spec",
        [
            f"+* {DATE} Ada <ada@example.org> - 1.0-1",
            "+- Enable v3d for Raspberry Pi graphics (Resolves:",
            "+  https://github.com/example/pi/issues/32)",
            "+",
        ],
        [APPLIED],
        None,
    ),
    (
        "changelog-expands-macros-after-release",
        "autosetup.spec",
        _one("modify_release", "{suffix: .alma.1}")
        + _one("changelog_entry", "{name: Ada, email: ada@example.org, line: [Fix]}"),
        "pkg.spec",
        [
            "-Release:        7%{?dist}.1",
            "+Release:        7%{?dist}.1.alma.1",
            f"+* {DATE} Ada <ada@example.org> - 0.9-7.1.alma.1",
            "+- Fix",
            "+",
        ],
        [APPLIED, APPLIED],
        None,
    ),
    (
        "changelog-autochangelog-skipped",
        "autorelease.spec",
        _one("changelog_entry", "{name: Ada, email: ada@example.org, line: [Fix]}"),
        "pkg.spec",
        [],
        [SKIPPED],
        None,
    ),
    (
        "changelog-missing-section",
        NO_TAGS.replace("Name: bare", "Name: bare\nVersion: 1\nRelease: 1"),
        _one("changelog_entry", "{name: Ada, email: ada@example.org, line: [Fix]}"),
        "pkg.spec",
        [],
        [FAILED],
        None,
    ),
    (
        "add-numbered-patch-and-apply-line",
        "classic.spec",
        _one("add_files", "{type: patch, name: 1000-almalinux-defaults.patch, number: 1000}"),
        "pkg.spec",
        [
            "+# AlmaLinux Patch",
            "+Patch1000: 1000-almalinux-defaults.patch",
            "+",
            "+",
            "+# Applying AlmaLinux Patch",
            "+%patch1000 -p1 -b .1000-almalinux-defaults",
        ],
        [APPLIED],
        None,
    ),
    (
        "add-latest-patch-without-backup",
        "classic.spec",
        _one("add_files", "{type: patch, name: widget-1.4-extra.fix.patch, no_backup: true}"),
        "pkg.spec",
        [
            "+# AlmaLinux Patch",
            "+Patch2: widget-1.4-extra.fix.patch",
            "+",
            "+",
            "+# Applying AlmaLinux Patch",
            "+%patch2 -p1",
        ],
        [APPLIED],
        None,
    ),
    (
        "add-backup-suffix-drops-dots",
        "classic.spec",
        "  - add_files:\n      - {type: patch, name: widget-1.4-extra.fix.patch, number: 7,"
        " insert_almalinux_line: false}\n",
        "pkg.spec",
        ["+Patch7: widget-1.4-extra.fix.patch", "+%patch7 -p1 -b .widget-14-extrafix"],
        [APPLIED],
        None,
    ),
    (
        "add-source",
        "classic.spec",
        _one("add_files", "{type: source, name: almalinux-cert.cer, number: 300}"),
        "pkg.spec",
        ["+", "+# AlmaLinux Source", "+Source300: almalinux-cert.cer"],
        [APPLIED],
        None,
    ),
    (
        "add-without-spec-change",
        "classic.spec",
        _one("add_files", "{type: source, name: notes.txt, modify_spec: false}"),
        "pkg.spec",
        [],
        [APPLIED],
        None,
    ),
    (
        "add-after-conditional-autosetup-applies",
        "autosetup.spec",
        _one("add_files", "{type: patch, name: 0003-almalinux.patch, number: Latest}"),
        "pkg.spec",
        ["+", "+# AlmaLinux Patch", "+Patch3: 0003-almalinux.patch"],
        [APPLIED],
        None,
    ),
    (
        "add-apply-after-popd-in-P-style",
        "numberless.spec",
        _one("add_files", "{type: patch, name: almalinux.patch}"),
        "pkg.spec",
        [
            "+",
            "+# AlmaLinux Patch",
            "+Patch11: almalinux.patch",
            "+# Applying AlmaLinux Patch",
            "+%patch -P 11 -p1 -b .almalinux",
            "+",
        ],
        [APPLIED],
        None,
    ),
    (
        "add-first-patch-after-sources",
        "sources_only.spec",
        _one(
            "add_files",
            "{type: patch, name: 1000-first.patch, number: 1000}",
            "{type: patch, name: 1001-second.patch, number: 1001}",
        ),
        "pkg.spec",
        [
            "+# AlmaLinux Patch",
            "+Patch: 1000-first.patch",
            "+Patch: 1001-second.patch",
            "+",
            "+",
            "+# Applying AlmaLinux Patch",
            "+%patch -P  -p1 -b .1000-first",
            "+%patch -P  -p1 -b .1001-second",
        ],
        [APPLIED, APPLIED],
        None,
    ),
    (
        "add-into-patches-file",
        "classic.spec",
        _one("add_files", "{type: patch, name: 0003-almalinux.patch, number: 0003}"),
        "widget.patches",
        ["+", "+# AlmaLinux Patch", "+Patch3: 0003-almalinux.patch"],
        [APPLIED],
        {"widget.patches": (DATA / "package" / "widget.patches").read_text()},
    ),
    (
        "add-into-empty-patches-file",
        "classic.spec",
        _one("add_files", "{type: patch, name: 0001-almalinux.patch}"),
        "widget.patches",
        ["+# AlmaLinux Patch", "+Patch1: 0001-almalinux.patch"],
        [APPLIED],
        {"widget.patches": ""},
    ),
    (
        "add-duplicate-number",
        "classic.spec",
        _one("add_files", "{type: patch, name: again.patch, number: 1}"),
        "pkg.spec",
        [],
        [FAILED],
        None,
    ),
    (
        "add-existing-file",
        "classic.spec",
        _one("add_files", "{type: patch, name: widget-build.patch, number: 5}"),
        "pkg.spec",
        [],
        [FAILED],
        {"widget-build.patch": "--- a\n+++ b\n"},
    ),
    (
        "delete-file",
        "classic.spec",
        _one("delete_files", "{file_name: vendor-cert.cer}"),
        "pkg.spec",
        [],
        [APPLIED],
        {"vendor-cert.cer": "x"},
    ),
    (
        "delete-file-from-lookaside",
        "classic.spec",
        _one("delete_files", "{file_name: vendor-cert.cer}"),
        "sources",
        ["-SHA512 (vendor-cert.cer) = 4567ef01"],
        [APPLIED],
        {"sources": (DATA / "package" / "sources").read_text()},
    ),
    (
        "delete-file-missing",
        "classic.spec",
        _one("delete_files", "{file_name: vendor-cert.cer}"),
        "pkg.spec",
        [],
        [FAILED],
        None,
    ),
    (
        "run-script",
        "classic.spec",
        _one("run_script", "{script: make-links.sh}"),
        "pkg.spec",
        [],
        [UNSUPPORTED],
        None,
    ),
    (
        "add-line-install-bottom",
        "classic.spec",
        _one(
            "add_line",
            "{target: spec, section: install, location: bottom, content: 'touch %{buildroot}/x'}",
        ),
        "pkg.spec",
        ["+touch %{buildroot}/x", "+"],
        [APPLIED],
        None,
    ),
    (
        "add-line-subpackage-files-top",
        "classic.spec",
        "  - add_line:\n      - {target: spec, section: files, subpackage: tools, location: top,"
        " content: '%{_bindir}/extra'}\n",
        "pkg.spec",
        ["+%{_bindir}/extra", "+"],
        [APPLIED],
        None,
    ),
    (
        "add-line-global-top",
        "classic.spec",
        _one("add_line", "{target: spec, section: global, location: top, content: '%global x 1'}"),
        "pkg.spec",
        ["+%global x 1", "+"],
        [APPLIED],
        None,
    ),
    (
        "add-line-missing-section",
        "classic.spec",
        _one("add_line", "{target: spec, section: check, location: top, content: make check}"),
        "pkg.spec",
        [],
        [FAILED],
        None,
    ),
]


@pytest.mark.parametrize(
    ("spec", "text", "path", "diff", "statuses", "extra"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_action_kind(spec, text, path, diff, statuses, extra):
    files, result = _run(spec, text, extra)

    assert _diff(files[path], result.files[path]) == diff
    assert [o.status for o in result.outcomes] == statuses
    assert all(o.problem for o in result.outcomes if o.status in (FAILED, PARTIAL, UNSUPPORTED))


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("replace-find-missing", FIND_MISSING),
        ("replace-count-mismatch", COUNT_MISMATCH),
        ("replace-target-missing", TARGET_MISSING),
        ("delete-needs-the-whole-line", LINE_MISSING),
        ("add-duplicate-number", "already declared"),
        ("add-existing-file", "already exists"),
        ("delete-file-missing", TARGET_MISSING),
        ("release-missing", "Release:"),
        ("changelog-missing-section", "%changelog"),
        ("add-line-missing-section", "%check"),
        ("run-script", "make-links.sh"),
    ],
)
def test_problems_say_what_went_wrong(case, words):
    spec, text, _path, _diff_lines, _statuses, extra = next(c[1:] for c in CASES if c[0] == case)

    _files, result = _run(spec, text, extra)

    assert not result.ok
    assert any(words in (o.problem or "") for o in result.problems), result.problems


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("release-autorelease-left-alone", "%autorelease"),
        ("changelog-autochangelog-skipped", "%autochangelog"),
        ("add-after-conditional-autosetup-applies", "%autosetup"),
        ("add-without-spec-change", "modify_spec"),
        ("delete-file-from-lookaside", "sources"),
    ],
)
def test_notes_explain_what_was_done_instead(case, words):
    spec, text, _path, _diff_lines, _statuses, extra = next(c[1:] for c in CASES if c[0] == case)

    _files, result = _run(spec, text, extra)

    assert result.ok
    assert any(words in note for o in result.outcomes for note in o.notes), result.outcomes


def test_a_realistic_config_end_to_end():
    config = parse_config((DATA / "configs" / "widget.yaml").read_text(), path="widget.yaml")
    files = {
        "widget.spec": _spec("classic.spec"),
        "widget-vendor-defaults.patch": (
            DATA / "package" / "widget-vendor-defaults.patch"
        ).read_text(),
        "vendor-cert.cer": "not a real certificate\n",
    }
    added = {path.name: path.read_bytes() for path in (DATA / "files").iterdir()}

    result = apply_config(
        config, files, spec_name="widget.spec", changelog_date=DATE, added_files=added
    )

    assert result.ok, result.problems
    assert result.files["widget.spec"] == (DATA / "expected" / "widget.spec").read_text()
    expected_patch = (DATA / "expected" / "widget-vendor-defaults.patch").read_text()
    assert result.files["widget-vendor-defaults.patch"] == expected_patch
    assert result.removed == ("vendor-cert.cer",)
    assert "vendor-cert.cer" not in result.files
    assert dict(result.added) == added
    assert files["widget.spec"] == _spec("classic.spec"), "the input mapping is never changed"


def test_added_files_land_in_sources_of_a_specs_layout():
    config = parse_config(
        "actions:\n  - add_files:\n      - {type: source, name: a.cer, number: 9}\n"
    )

    result = apply_config(
        config,
        {"SPECS/widget.spec": _spec("classic.spec")},
        spec_name="SPECS/widget.spec",
        changelog_date=DATE,
        added_files={"a.cer": b"cert"},
    )

    assert dict(result.added) == {"SOURCES/a.cer": b"cert"}
    assert "Source9: a.cer" in result.files["SPECS/widget.spec"]


def test_missing_added_content_is_noted_not_fatal():
    _files, result = _run(
        "classic.spec", _one("add_files", "{type: source, name: a.cer, number: 9}")
    )

    assert result.ok
    assert dict(result.added) == {}
    assert any("not provided" in note for note in result.outcomes[0].notes)


def test_without_the_spec_every_spec_action_fails_with_a_reason():
    config = parse_config((DATA / "configs" / "widget.yaml").read_text())

    result = apply_config(config, {}, spec_name="widget.spec", changelog_date=DATE)

    assert [o.status for o in result.outcomes].count(FAILED) == len(result.outcomes)
    assert all(o.problem for o in result.outcomes)


def test_el_version_steers_conditional_macros():
    spec = (
        "%if 0%{?rhel} >= 9\n%global rel 5\n%else\n%global rel 4\n%endif\n"
        + TWO_RELEASES.replace("Release: 4%{?dist}", "Release: %{rel}%{?dist}")
    )
    text = _one("changelog_entry", "{name: A, email: a@b, line: [x]}")

    headers = {
        version: next(
            line
            for line in _run(spec, text, el_version=version)[1].files["pkg.spec"].splitlines()
            if line.startswith(f"* {DATE}")
        )
        for version in ("8", "9")
    }

    assert headers == {"8": f"* {DATE} A <a@b> - 1.0-4", "9": f"* {DATE} A <a@b> - 1.0-5"}


def test_ignore_release_macros_writes_the_raw_release():
    config = parse_config(
        "parameters:\n  ignore_release_macros: true\n"
        "actions:\n  - changelog_entry:\n      - {name: A, email: a@b, line: [x]}\n"
    )

    result = apply_config(
        config, _package("classic.spec"), spec_name="pkg.spec", changelog_date=DATE
    )

    assert f"* {DATE} A <a@b> - 2:1.4-%{{base_rel}}%{{?dist}}" in result.files["pkg.spec"]


def test_global_insert_almalinux_line_false_drops_the_markers():
    config = parse_config(
        "parameters:\n  insert_almalinux_line: false\n"
        "actions:\n  - add_files:\n      - {type: patch, name: fix.patch, number: 9}\n"
    )

    result = apply_config(
        config, _package("classic.spec"), spec_name="pkg.spec", changelog_date=DATE
    )

    assert _diff(_spec("classic.spec"), result.files["pkg.spec"]) == [
        "+Patch9: fix.patch",
        "+%patch9 -p1 -b .fix",
    ]


def test_kernel_packages_apply_patches_the_kernel_way():
    spec = "Name: kernel\nVersion: 6\nRelease: 1\nPatch1: linux-a.patch\n\n%prep\n"
    spec += "ApplyPatch linux-a.patch\n"
    config = parse_config("actions:\n  - add_files:\n      - {type: patch, name: alma.fix.patch}\n")

    result = apply_config(
        config,
        {"kernel.spec": spec},
        spec_name="kernel.spec",
        changelog_date=DATE,
        package_name="kernel",
    )

    assert result.files["kernel.spec"].splitlines()[-1] == "ApplyPatch almafix.patch"


TEXT = st.text(alphabet="abc %{}#\\\n-:.", max_size=20)
ENTRIES = st.one_of(
    st.builds(
        Replace,
        st.integers(1, 9),
        st.sampled_from(["spec", "*.patch", "x"]),
        TEXT,
        TEXT,
        st.booleans(),
        st.sampled_from([-1, 1, 2]),
    ),
    st.builds(
        DeleteLine,
        st.integers(1, 9),
        st.just("spec"),
        st.lists(TEXT, min_size=1, max_size=2).map(tuple),
        st.just(()),
    ),
    st.builds(ModifyRelease, st.integers(1, 9), TEXT, st.booleans()),
    st.builds(Changelog, st.integers(1, 9), TEXT, TEXT, st.lists(TEXT, max_size=2).map(tuple)),
    st.builds(
        AddFile,
        st.integers(1, 9),
        st.sampled_from(list(FileKind)),
        TEXT,
        st.one_of(st.none(), st.integers(1, 3000)),
        st.booleans(),
        st.none() | st.booleans(),
        st.booleans(),
    ),
    st.builds(DeleteFile, st.integers(1, 9), TEXT),
    st.builds(RunScript, st.integers(1, 9), TEXT),
    st.builds(
        AddLine,
        st.integers(1, 9),
        st.just("spec"),
        st.sampled_from(["global", "prep", "files", "pre", "x"]),
        st.sampled_from(list(Location)),
        TEXT,
        st.none() | st.sampled_from(["tools", "x"]),
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(ENTRIES, max_size=6),
    st.sampled_from(sorted(p.name for p in (DATA / "specs").iterdir())),
)
def test_fuzz_any_typed_config_applies_without_crashing(entries, spec):
    # One block per entry, then all of them in one mixed block, which no parser would build.
    single = tuple(Action(e.kind, e.yaml_line, (e,)) for e in entries)
    mixed = (Action(entries[0].kind, 1, tuple(entries)),) if entries else ()
    config = AutopatchConfig("fuzz.yaml", single + mixed)

    result = apply_config(
        config, _package(spec, {"a.patch": "rhel\n"}), spec_name="pkg.spec", changelog_date=DATE
    )

    per_block = [len(e.lines) if isinstance(e, DeleteLine) else 1 for e in entries]
    lines = [e.yaml_line for e, count in zip(entries, per_block, strict=True) for _ in range(count)]
    assert [o.yaml_line for o in result.outcomes[: len(lines)]] == lines
    assert all(o.problem for o in result.problems)


@pytest.mark.parametrize("define", ["%global", "%define"])
def test_macro_bombs_stay_unexpanded_and_are_noted(define):
    chain = [f"{define} m0 x"] + [f"{define} m{i} %{{m{i - 1}}}%{{m{i - 1}}}" for i in range(1, 40)]
    spec = "\n".join([*chain, "Name: bomb", "Version: 1", "Release: %{m39}", "%changelog", ""])
    text = "  - changelog_entry:\n      - {name: A, email: a@b, line: [x]}\n"

    _files, result = _run(spec, text)

    assert result.outcomes[0].status is APPLIED
    assert any("unexpanded" in note for note in result.outcomes[0].notes)


SPEC_LINES = st.one_of(
    st.sampled_from(
        [
            "%if 0%{?rhel}", "%else", "%endif", "%elif 1", "%ifarch x86_64", "%global a %{b",
            "%global b }", "%define c(x) %{-x}", "Release: %{a}%{?c:%{c}}", "Version: %%{",
            "Epoch: %{?", "%changelog", "Patch1: x", "%patch1 -p1", "%setup", "popd", "%autosetup",
            "Source0: y", "%{lua: x", '%if (1 && "a" == "a") || !0', "%if 1 + - ( 2",
            "Release: %autorelease", "%description", "%files tools",
        ]
    ),
    st.text(alphabet="%{}?!:ab \\-()#", max_size=12),
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SPEC_LINES, max_size=25))
def test_fuzz_any_spec_text_takes_the_realistic_config_without_crashing(lines):
    config = parse_config((DATA / "configs" / "widget.yaml").read_text())

    result = apply_config(
        config, {"w.spec": "\n".join(lines)}, spec_name="w.spec", changelog_date=DATE
    )

    assert len(result.outcomes) == 9


def test_latest_follows_the_last_patch_line_and_flags_a_collision():
    spec = "Name: a\nVersion: 1\nRelease: 1\nPatch7: seven.patch\nPatch3: three.patch\n"
    spec += "\n%prep\n%autosetup\n"
    config = parse_config("actions:\n  - add_files:\n      - {type: patch, name: new.patch}\n")

    result = apply_config(config, {"a.spec": spec}, spec_name="a.spec", changelog_date=DATE)

    assert "Patch4: new.patch" in result.files["a.spec"]
    assert result.outcomes[0].status is OutcomeStatus.APPLIED

    spec = spec.replace("Patch3: three.patch", "Patch6: six.patch")
    result = apply_config(config, {"a.spec": spec}, spec_name="a.spec", changelog_date=DATE)

    assert "Patch7: new.patch" in result.files["a.spec"]
    assert result.outcomes[0].status is OutcomeStatus.PARTIAL
    assert "already declares" in (result.outcomes[0].problem or "")
