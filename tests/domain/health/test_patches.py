"""patch-unapplied and patch-unused: every way a spec applies patches, guards included."""

from __future__ import annotations

import pytest

from bot.domain.health.patches import PATCH_UNAPPLIED, PATCH_UNUSED
from bot.domain.model import Severity

from .builders import THREE_PATCHES, check, downstream_spec, spec, spec_text_at, tree

CRASH, LEAK, TYPO = "tool-fix-crash.patch", "tool-fix-leak.patch", "tool-fix-typo.patch"

UNAPPLIED = [
    pytest.param("%autosetup -p1", "%setup -q\n%patch -P 1 -p1", {LEAK, TYPO},
                 id="autosetup-replaced-by-explicit-list"),
    pytest.param("%autosetup -p1", "%autosetup -N -p1", {CRASH, LEAK, TYPO},
                 id="autosetup-N-applies-nothing"),
    pytest.param("%autosetup -p1", "%autosetup -N -p1\n%autopatch -p1", set(),
                 id="autosetup-N-then-autopatch"),
    pytest.param("%autosetup -p1", "%autosetup -N\n%autopatch -p1 -M 2", {TYPO},
                 id="autopatch-upper-bound"),
    pytest.param("%autosetup -p1", "%autosetup -N\n%autopatch -p1 -m 2", {CRASH},
                 id="autopatch-lower-bound"),
    pytest.param("%autosetup -p1", "%autosetup -N\n%autopatch -p1 1 3", {LEAK},
                 id="autopatch-explicit-numbers"),
    pytest.param("%setup -q\n%patch1 -p1\n%patch2 -p1\n%patch3 -p1",
                 "%setup -q\n%patch1 -p1\n%patch3 -p1", {LEAK}, id="old-style-patchN"),
    pytest.param("%setup -q\n%patch -P1 -p1\n%patch -P2 -p1\n%patch -P3 -p1",
                 "%setup -q\n%patch -P 1 -p1\n%patch 2 -p1\n%patch -P3 -p1", set(),
                 id="patch-P-forms-all-equal"),
    pytest.param("%setup -q\nApplyPatch tool-fix-crash.patch\nApplyPatch tool-fix-leak.patch\n"
                 "ApplyPatch tool-fix-typo.patch",
                 "%setup -q\nApplyPatch tool-fix-crash.patch\nApplyPatch tool-fix-typo.patch",
                 {LEAK}, id="kernel-ApplyPatch"),
    pytest.param("%autosetup -p1",
                 "%setup -q\n%patch -P 1 -p1\n%if ! 0%{?almalinux}\n%patch -P 2 -p1\n%endif\n"
                 "%patch -P 3 -p1", {LEAK}, id="guard-false-for-the-distribution"),
    pytest.param("%autosetup -p1",
                 "%setup -q\n%patch -P 1 -p1\n%if 0%{?almalinux}\n%patch -P 2 -p1\n%endif\n"
                 "%patch -P 3 -p1", set(), id="guard-true-for-the-distribution"),
    pytest.param("%autosetup -p1",
                 "%setup -q\n%patch -P 1 -p1\n%if 0%{?fedora}\n%patch -P 2 -p1\n%else\n"
                 "%patch -P 3 -p1\n%endif", {LEAK}, id="else-branch-taken"),
    pytest.param("%autosetup -p1",
                 "%setup -q\n%patch -P 1 -p1\n%ifarch x86_64\n%patch -P 2 -p1\n%endif\n"
                 "%patch -P 3 -p1", set(), id="arch-guard-counts-as-applied"),
    pytest.param("%autosetup -p1", "%setup -q\ngit init\ngit am %{patches}", set(),
                 id="git-am-all-patches"),
    pytest.param("%autosetup -p1",
                 "%setup -q\n%patch -P 1 -p1\ngit apply %{PATCH2}\npatch -p1 < %{P:3}", set(),
                 id="patch-file-read-by-a-command"),
    pytest.param("%autosetup -p1",
                 "%setup -q\n%patch -P 1 -p1\npatch -p1 < %{_sourcedir}/tool-fix-leak.patch\n"
                 "patch -p1 < $RPM_SOURCE_DIR/tool-fix-typo.patch", set(),
                 id="patch-file-read-by-path"),
    pytest.param("%autosetup -p1", "%setup -q\n%patch -P 1 -p1\n# %patch -P 2 -p1\n"
                 "%patch -P 3 -p1", {LEAK}, id="commented-application-is-not-one"),
]


@pytest.mark.parametrize(("base_prep", "downstream_prep", "expected"), UNAPPLIED)
def test_patch_unapplied(base_prep: str, downstream_prep: str, expected: set[str]) -> None:
    base = tree(spec(prep=base_prep))
    downstream = tree(downstream_spec(prep=downstream_prep))
    found = check(base, downstream, PATCH_UNAPPLIED)
    assert {f.subject for f in found} == expected
    for finding in found:
        assert finding.severity is Severity.ERROR
        assert finding.file == "tool.spec"
        assert spec_text_at(downstream, finding).endswith(finding.subject)
        assert "no longer applied" in finding.message


def test_a_patch_dropped_from_the_declarations_is_not_unapplied() -> None:
    """Deleting or commenting out the tag is a deliberate removal, which `analyze` lists."""
    patches = THREE_PATCHES.replace("Patch2:", "#Patch2:").replace("Patch3:", "%dnl Patch3:")
    base = tree(spec())
    downstream = tree(downstream_spec(patches=patches, prep="%setup -q\n%patch -P 1 -p1"))
    assert check(base, downstream, PATCH_UNAPPLIED) == []


def test_a_tag_under_a_false_guard_is_not_declared() -> None:
    patches = THREE_PATCHES.replace(
        "Patch3:         tool-fix-typo.patch",
        "%if ! 0%{?almalinux}\nPatch3:         tool-fix-typo.patch\n%endif",
    )
    base = tree(spec())
    downstream = tree(downstream_spec(patches=patches, prep="%autosetup -N\n%autopatch -M 2"))
    assert check(base, downstream, PATCH_UNAPPLIED) == []


def test_a_patch_the_base_does_not_apply_either_is_not_reported() -> None:
    prep = "%setup -q\n%patch -P 1 -p1\n%patch -P 3 -p1"
    assert check(tree(spec(prep=prep)), tree(downstream_spec(prep=prep)), PATCH_UNAPPLIED) == []


def test_the_message_says_how_the_base_applies_it() -> None:
    base = tree(spec(prep="%autosetup -S git -p1"))
    downstream = tree(downstream_spec(prep="%setup -q\n%patch -P 1 -p1\n%patch -P 2 -p1"))
    (finding,) = check(base, downstream, PATCH_UNAPPLIED)
    assert finding.message == (
        "Patch3 (tool-fix-typo.patch) is declared but no longer applied; "
        "the base applies it with `%autosetup -S git -p1`"
    )
    assert "%patch -P 3 -p1" in finding.hint


INCLUDED_PATCHES = "Patch1: tool-fix-crash.patch\nPatch2: tool-fix-leak.patch\n"


def test_patches_listed_in_an_included_file_point_at_that_file() -> None:
    """grub2 and pesign declare their patches in `*.patches`, read with %include."""
    patches = "Source1:        tool.patches\n%include %{SOURCE1}"
    files = {
        "tool.patches": INCLUDED_PATCHES,
        "tool-fix-crash.patch": "x",
        "tool-fix-leak.patch": "x",
    }
    base = tree(spec(patches=patches), files)
    downstream = tree(downstream_spec(patches=patches, prep="%setup -q\n%patch -P 2 -p1"), files)
    (finding,) = check(base, downstream, PATCH_UNAPPLIED)
    assert (finding.file, finding.line, finding.subject) == ("tool.patches", 1, CRASH)
    assert spec_text_at(downstream, finding) == "Patch1: tool-fix-crash.patch"


@pytest.mark.parametrize(
    ("prep", "expected"),
    [
        pytest.param("%setup -q\n%patch -P 1 -p1\n%patch -P 2 -p1\n%patch -P 3 -p1",
                     {"tool-alma.patch"}, id="explicit-list-forgets-the-new-one"),
        pytest.param("%autosetup -p1", set(), id="autosetup-applies-it"),
        pytest.param("%setup -q\n%patch -P 1 -p1\n%patch -P 2 -p1\n%patch -P 3 -p1\n"
                     "%patch -P 1000 -p1", set(), id="applied-by-number"),
        pytest.param("%setup -q\n%patch -P 1 -p1\n%patch -P 2 -p1\n%patch -P 3 -p1\n"
                     "%patch -P  -p1 -b .alma", {"tool-alma.patch"},
                     id="number-left-out-as-autopatch-once-wrote-it"),
    ],
)
def test_patch_unused(prep: str, expected: set[str]) -> None:
    patches = THREE_PATCHES + "\n# AlmaLinux Patch\nPatch1000:      tool-alma.patch"
    base = tree(spec(prep=prep))
    downstream = tree(downstream_spec(patches=patches, prep=prep))
    found = check(base, downstream, PATCH_UNUSED)
    assert {f.subject for f in found} == expected
    for finding in found:
        assert finding.severity is Severity.WARNING
        assert spec_text_at(downstream, finding) == "Patch1000:      tool-alma.patch"
