"""release-suffix-missing and changelog-missing, and their exemptions for rpmautospec specs."""

from __future__ import annotations

import pytest

from bot.domain.health.bookkeeping import CHANGELOG_MISSING, RELEASE_SUFFIX_MISSING
from bot.domain.model import Severity

from .builders import ALMA_ENTRY, check, spec, spec_text_at, tree

CHANGED = "%autosetup -p1\nsed -i 's/Red Hat/AlmaLinux/' doc/about.txt"


@pytest.mark.parametrize(
    ("release", "prep", "expected"),
    [
        pytest.param("4%{?dist}", CHANGED, Severity.WARNING, id="modified-without-suffix"),
        pytest.param("4%{?dist}.alma.1", CHANGED, None, id="suffix-after-dist"),
        pytest.param("4%{?dist}%{?alma_suffix}", CHANGED, None, id="suffix-from-a-macro"),
        pytest.param("4%{?dist}", "%autosetup -p1", None, id="unchanged-package"),
        pytest.param("%autorelease", CHANGED, Severity.INFO, id="autorelease-is-exempt"),
    ],
)
def test_release_suffix(release: str, prep: str, expected: Severity | None) -> None:
    base_release = "%autorelease" if release == "%autorelease" else "4%{?dist}"
    base = tree(spec(release=base_release))
    text = spec(release=release, prep=prep, changelog=ALMA_ENTRY if prep == CHANGED else "")
    if "alma_suffix" in release:
        text = "%global alma_suffix .alma.1\n" + text
    downstream = tree(text)
    found = check(base, downstream, RELEASE_SUFFIX_MISSING)
    assert [f.severity for f in found] == ([expected] if expected else [])
    for finding in found:
        assert spec_text_at(downstream, finding).startswith("Release:")


def test_release_suffix_hint_shows_the_line_to_write() -> None:
    (finding,) = check(tree(spec()), tree(spec(prep=CHANGED)), RELEASE_SUFFIX_MISSING)
    assert finding.hint.endswith("`4%{?dist}.alma.1`")
    assert "lacks the .alma suffix" in finding.message


def test_every_release_line_of_subpackages_is_checked() -> None:
    sub = "\n%package extra\nSummary: extra\nRelease: 7%{?dist}\n%description extra\nx\n"
    base = tree(spec() + sub)
    downstream = tree(spec(release="4%{?dist}.alma.1", prep=CHANGED, changelog=ALMA_ENTRY) + sub)
    (finding,) = check(base, downstream, RELEASE_SUFFIX_MISSING)
    assert spec_text_at(downstream, finding) == "Release: 7%{?dist}"


def test_a_file_change_alone_makes_the_package_modified() -> None:
    base = tree(spec(), {"logo.svg": "<svg>red hat</svg>"})
    downstream = tree(spec(), {"logo.svg": "<svg>almalinux</svg>"})
    assert len(check(base, downstream, RELEASE_SUFFIX_MISSING)) == 1
    assert len(check(base, downstream, CHANGELOG_MISSING)) == 1


@pytest.mark.parametrize(
    ("changelog", "prep", "expected"),
    [
        pytest.param("", CHANGED, Severity.WARNING, id="no-new-entry"),
        pytest.param(ALMA_ENTRY, CHANGED, None, id="new-entry-on-top"),
        pytest.param("", "%autosetup -p1", None, id="identical-to-the-base"),
    ],
)
def test_changelog(changelog: str, prep: str, expected: Severity | None) -> None:
    base = tree(spec())
    release = "4%{?dist}.alma.1" if prep == CHANGED else "4%{?dist}"
    downstream = tree(spec(release=release, prep=prep, changelog=changelog))
    found = check(base, downstream, CHANGELOG_MISSING)
    assert [f.severity for f in found] == ([expected] if expected else [])
    for finding in found:
        # the entry the downstream should have put its own above
        assert spec_text_at(downstream, finding).startswith("* Mon Nov 02 2026 Base Maintainer")


def test_autochangelog_is_exempt_with_a_note() -> None:
    text = spec(prep=CHANGED).split("%changelog")[0] + "%changelog\n%autochangelog\n"
    base = tree(spec().split("%changelog")[0] + "%changelog\n%autochangelog\n")
    downstream = tree(text)
    (finding,) = check(base, downstream, CHANGELOG_MISSING)
    assert finding.severity is Severity.INFO
    assert spec_text_at(downstream, finding) == "%autochangelog"


def test_a_release_bump_alone_still_wants_an_entry() -> None:
    downstream = tree(spec(release="4%{?dist}.alma.1"))
    (finding,) = check(tree(spec()), downstream, CHANGELOG_MISSING)
    assert finding.severity is Severity.WARNING


def test_a_spec_without_any_changelog_points_at_no_line() -> None:
    base = tree(spec().split("%changelog")[0])
    (finding,) = check(base, tree(spec(prep=CHANGED).split("%changelog")[0]), CHANGELOG_MISSING)
    assert finding.line is None and finding.file == "tool.spec"
