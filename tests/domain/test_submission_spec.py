"""The minimal spec edit that carries one more patch: on hand-written specs of every style,
and on every base spec of the shared corpus."""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path

import pytest

from bot.domain.health.applied import applied_patches
from bot.domain.submission_spec import (
    SpecEdit,
    SpecEditError,
    SpecOptions,
    add_patch,
    leaks,
    patch_order,
)
from bot.ingest.distgit import read_distgit
from bot.ingest.spec import parse_spec
from tests.fakes.corpus import autopatch_cases

NEW = "0001-Fix-the-frobnicator.patch"
OPTIONS = SpecOptions(
    author="Jane Doe",
    email="jane@almalinux.org",
    day=date(2026, 11, 1),
    summary="Fix the frobnicator",
)
TICKET = SpecOptions(
    author="Jane Doe",
    email="jane@almalinux.org",
    day=date(2026, 11, 1),
    summary="Fix the frobnicator",
    reference="Resolves: RHEL-12345",
)
LEAK_WORDS = {"release_suffix": ".alma", "guard_macro": "almalinux"}

PREAMBLE = """\
Name:           frob
Version:        1.2
Release:        {release}
Summary:        A frobnicator

License:        MIT
Source0:        https://example.org/frob-%{{version}}.tar.gz
{patches}
BuildRequires:  gcc

%description
Frobnicates.

%prep
{prep}

%build
%make_build

%changelog
{changelog}"""
CHANGELOG = """\
* Mon Jan 08 2024 Sam Packager <sam@example.org> - 1.2-3
- Fix the build
  Resolves: RHEL-1
"""


def _spec(*, patches: str = "", prep: str = "%autosetup -p1", release: str = "3%{?dist}",
          changelog: str = CHANGELOG) -> str:
    return PREAMBLE.format(release=release, patches=patches, prep=prep, changelog=changelog)


def _edit(text: str, options: SpecOptions = OPTIONS, name: str = NEW) -> SpecEdit:
    return add_patch(parse_spec(text, path="frob.spec"), name, options)


def _diff(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        (added if line.startswith("+") else removed).append(line[1:])
    return removed, added


def _applied_by(text: str, name: str = NEW) -> str | None:
    tree = read_distgit({"frob.spec": text.encode(), name: b"patch"})
    return applied_patches(tree, {}).how.get(name)


def test_numbered_patches_with_explicit_patch_lines_get_both_in_their_style() -> None:
    before = _spec(
        patches="Patch0:         frob-build.patch\nPatch1:         frob-docs.patch\n",
        prep="%setup -q\n%patch -P0 -p1 -b .build\n%patch -P1 -p1 -b .docs",
    )
    edit = _edit(before, TICKET)
    removed, added = _diff(before, edit.text)
    assert edit.number == 2
    assert edit.tag_line == f"Patch2:         {NEW}"
    assert edit.apply_line == "%patch -P2 -p1 -b .0001-Fix-the-frobnicator"
    assert removed == ["Release:        3%{?dist}"]
    assert added == [
        "Release:        4%{?dist}",
        f"Patch2:         {NEW}",
        "%patch -P2 -p1 -b .0001-Fix-the-frobnicator",
        "* Sun Nov 01 2026 Jane Doe <jane@almalinux.org> - 1.2-4",
        "- Fix the frobnicator",
        "  Resolves: RHEL-12345",
        "",
    ]
    assert edit.text.index("%patch -P1") < edit.text.index("%patch -P2")
    assert edit.text.index("- Fix the frobnicator") < edit.text.index("- Fix the build")
    assert _applied_by(edit.text) == "%patch -P2 -p1 -b .0001-Fix-the-frobnicator"


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        ("%patch1 -p1", "%patch2 -p1"),
        ("%patch 1 -p1", "%patch 2 -p1"),
        ("%patch -P 1 -p1 -b .docs", "%patch -P 2 -p1 -b .0001-Fix-the-frobnicator"),
        ("%patch -P1 -p0", "%patch -P2 -p0"),
    ],
    ids=["patchN", "patch-N", "patch-P-N", "patch-PN"],
)
def test_the_apply_line_copies_the_last_ones_spelling(last: str, expected: str) -> None:
    before = _spec(
        patches="Patch0: frob-build.patch\nPatch1: frob-docs.patch\n",
        prep=f"%setup -q\n%patch0 -p1\n{last}",
    )
    edit = _edit(before)
    assert edit.apply_line == expected
    assert _applied_by(edit.text) is not None


def test_unnumbered_patches_with_autosetup_get_an_unnumbered_tag_and_nothing_applied() -> None:
    before = _spec(patches="Patch:          frob-build.patch\nPatch:          frob-docs.patch\n")
    edit = _edit(before)
    removed, added = _diff(before, edit.text)
    assert edit.tag_line == f"Patch:          {NEW}"
    assert edit.number == 2, "rpm numbers unnumbered patches in order"
    assert edit.apply_line is None
    assert removed == ["Release:        3%{?dist}"]
    assert added[1] == f"Patch:          {NEW}"
    assert _applied_by(edit.text) == "%autosetup -p1"


def test_autorelease_and_autochangelog_leave_release_and_changelog_alone() -> None:
    before = _spec(
        patches="Patch0:         frob-build.patch\n",
        release="%autorelease",
        changelog="%autochangelog\n",
    )
    edit = _edit(before, TICKET)
    removed, added = _diff(before, edit.text)
    assert (removed, added) == ([], [f"Patch1:         {NEW}"])
    assert (edit.release, edit.changelog) == (None, None)


def test_a_spec_without_patches_gets_patch0_after_its_sources() -> None:
    before = _spec()
    edit = _edit(before)
    assert edit.tag_line == f"Patch0:         {NEW}"
    lines = edit.text.splitlines()
    assert lines[lines.index(edit.tag_line) - 1].startswith("Source0:")
    assert _applied_by(edit.text) == "%autosetup -p1"


def test_a_setup_only_spec_gets_a_patch_line_after_setup() -> None:
    edit = _edit(_spec(prep="%setup -q"))
    lines = edit.text.splitlines()
    assert lines[lines.index("%setup -q") + 1] == "%patch -P 0 -p1"
    assert _applied_by(edit.text) == "%patch -P 0 -p1"


def test_a_tag_inside_an_if_block_is_followed_after_the_block() -> None:
    before = _spec(
        patches=(
            "Patch0: frob-build.patch\n"
            "%if 0%{?fedora}\n%if %{with docs}\nPatch1: frob-docs.patch\n%endif\n%endif\n"
        )
    )
    edit = _edit(before)
    lines = edit.text.splitlines()
    at = lines.index(edit.tag_line or "")
    assert lines[at - 2 : at] == ["%endif", "%endif"]
    assert edit.number == 2
    assert parse_spec(edit.text, path="frob.spec").patches()[-1].conditions == ()


def test_a_release_macro_is_raised_where_it_is_defined() -> None:
    before = "%global baserelease 7\n" + _spec(release="%{baserelease}%{?dist}")
    edit = _edit(before)
    removed, added = _diff(before, edit.text)
    assert removed == ["%global baserelease 7"] and added[0] == "%global baserelease 8"
    assert edit.release == "8%{?dist}"
    assert "- 1.2-8" in (edit.changelog or ("",))[0]


@pytest.mark.parametrize(
    ("release", "bumped"),
    [
        ("3%{?dist}", "4%{?dist}"),
        ("0.3.rc2%{?dist}", "0.4.rc2%{?dist}"),
        ("46%{?dist}.2", "46%{?dist}.3"),
        ("12%{?rcrel}%{?dist}%{?cc_suffix}", "13%{?rcrel}%{?dist}%{?cc_suffix}"),
    ],
)
def test_release_forms(release: str, bumped: str) -> None:
    assert _edit(_spec(release=release)).release == bumped


def test_a_release_it_cannot_read_is_refused_with_the_line() -> None:
    with pytest.raises(SpecEditError, match=r"frob.spec:3: cannot tell how to raise Release"):
        _edit(_spec(release="%{rel_of_the_day}.custom"))


def test_a_spec_that_applies_nothing_is_refused() -> None:
    with pytest.raises(SpecEditError, match="cannot tell where the spec applies patches"):
        _edit(_spec(prep="cp -a %{SOURCE0} ."))


def test_a_patch_already_declared_keeps_its_tag_and_number() -> None:
    before = _spec(patches=f"Patch0: frob-build.patch\nPatch7: {NEW}\n")
    edit = _edit(before)
    assert (edit.tag_line, edit.apply_line, edit.number) == (None, None, 7)


def test_an_autopatch_range_that_stops_short_gets_an_explicit_line() -> None:
    before = _spec(patches="Patch0: frob-build.patch\n", prep="%autosetup -N\n%autopatch -p1 -M 0")
    edit = _edit(before)
    lines = edit.text.splitlines()
    assert edit.apply_line == "%patch -P 1 -p1"
    assert lines[lines.index("%autopatch -p1 -M 0") + 1] == edit.apply_line


def test_kernel_style_applypatch() -> None:
    before = _spec(
        patches="Patch0: frob-build.patch\n", prep="%setup -q\nApplyPatch frob-build.patch"
    )
    assert _edit(before).apply_line == f"ApplyPatch {NEW}"


def test_the_changelog_keeps_the_spec_header_style() -> None:
    no_dash = "* Mon Jan 08 2024 Sam Packager <sam@example.org> 1.2-3\n- Fix the build\n"
    edit = _edit(_spec(changelog=no_dash))
    assert edit.changelog == (
        "* Sun Nov 01 2026 Jane Doe <jane@almalinux.org> 1.2-4",
        "- Fix the frobnicator",
    )


def test_leaks_flag_the_downstream_bookkeeping_but_not_a_fix_naming_it() -> None:
    clean = _edit(_spec(patches="Patch0: frob-build.patch\n"))
    assert leaks(clean, **LEAK_WORDS) == [], "an AlmaLinux packager may author the entry"
    detection = _edit(
        _spec(), SpecOptions("Jane", "j@x.org", date(2026, 11, 1), "Add AlmaLinux OS detection"),
        name="0001-Add-AlmaLinux-OS-detection.patch",
    )
    assert leaks(detection, **LEAK_WORDS) == [], "a fix may name the distribution"
    suffixed = _edit(_spec(release="3%{?dist}.alma.1"))
    found = leaks(suffixed, **LEAK_WORDS)
    assert found == [suffixed.release, " - 1.2-4.alma.1"]
    guarded = _edit(_spec(), SpecOptions("Jane", "j@x.org", date(2026, 11, 1), "x"),
                    name="%{?almalinux:x}.patch")
    assert guarded.tag_line in leaks(guarded, **LEAK_WORDS)


def test_patch_order_follows_prep() -> None:
    spec = parse_spec(
        _spec(
            patches="Patch0: a.patch\nPatch1: b.patch\n%if 0%{?rhel}\nPatch2: c.patch\n%endif\n",
            prep="%setup -q\n%patch -P1 -p2\n%patch -P0\n%if 0%{?rhel}\n%patch -P2 -p1\n%endif",
        ),
        path="frob.spec",
    )
    assert [(a.name, a.strip, a.guarded) for a in patch_order(spec)] == [
        ("b.patch", 2, False),
        ("a.patch", 1, False),
        ("c.patch", 1, True),
    ]
    auto = parse_spec(_spec(patches="Patch3: z.patch\nPatch1: y.patch\n"), path="frob.spec")
    assert [a.name for a in patch_order(auto)] == ["y.patch", "z.patch"]


@pytest.mark.parametrize("case", autopatch_cases())
def test_corpus_specs_take_a_patch_minimally(case: str, corpus: Path) -> None:
    spec_file = corpus / "autopatch" / case / f"{case}.spec"
    if not spec_file.is_file():
        pytest.skip(f"{case} has no base spec")
    before = spec_file.read_text(encoding="utf-8", errors="replace")
    spec = parse_spec(before, path=spec_file.name)
    try:
        edit = add_patch(spec, NEW, TICKET)
    except SpecEditError as error:
        # refusing is allowed only where the spec applies its patches in a way the bot does
        # not rewrite (a %{patches} list, a macro); the message names the spec
        assert spec_file.name in str(error)
        assert not any(a.applies_all or a.numbers for a in spec.applications if not a.conditions)
        return
    after = parse_spec(edit.text, path=spec_file.name)
    removed, added = _diff(before, edit.text)
    assert len(removed) <= 1, removed
    assert all(line.startswith(("Release:", "%global", "%define")) for line in removed)
    expected = [edit.tag_line, edit.apply_line, edit.release, *(edit.changelog or ())]
    assert len([line for line in added if line]) <= len([e for e in expected if e])
    assert edit.tag_line is None or edit.tag_line in added
    assert any(t.filename == NEW for t in after.patches())
    tree = read_distgit({spec_file.name: edit.text.encode(), NEW: b"patch"})
    assert applied_patches(tree, {}).how.get(NEW), "the new patch is applied by %prep"
    assert leaks(edit, **LEAK_WORDS) == []
    if edit.release is None:
        assert "autorelease" in (spec.release.raw if spec.release else "")
