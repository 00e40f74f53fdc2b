"""upstream-fix-reverted: downstream edits that undo what the base changed since the last import."""

from __future__ import annotations

from bot.domain.health import run_checks
from bot.domain.health.reverted import NEEDS_PREVIOUS_BASE, UPSTREAM_FIX_REVERTED
from bot.domain.model import Severity
from bot.ingest.distgit import read_distgit
from tests.fakes.rules import ALMALINUX

from .builders import (
    THREE_PATCHES,
    check,
    downstream_spec,
    fixture_report,
    fixture_trees,
    spec,
    text_at,
    tree,
)


def test_the_tuned_fixture_shows_all_three_forms() -> None:
    """tests/data/health/reverted: a config written against the previous import of tuned."""
    report, trees = fixture_report("reverted")
    found = [f for f in report.findings if f.check == UPSTREAM_FIX_REVERTED]
    where = {(f.file, f.line): f for f in found}
    assert set(where) == {
        ("tuned.spec", 12),
        ("tuned.spec", 24),
        ("1001-cpu-plugin-old-behaviour.patch", 10),
    }
    assert all(f.severity is Severity.WARNING for f in found)
    downstream = trees["downstream"]
    dropped = where[("tuned.spec", 12)]
    assert dropped.subject == "tuned-2.24.0-cpu-plugin-length-check.patch"
    # the patch's tag was taken out here; the downstream's own patch took its place
    assert text_at(downstream, dropped) == "Patch1000:      1000-almalinux-profile-name.patch"
    flag = where[("tuned.spec", 24)]
    assert text_at(downstream, flag) == "%meson -Dselinux=false -Dppd=true"
    assert "the base wrote `%meson -Dselinux=true -Dppd=true` at line 23" in flag.message
    inverse = where[("1001-cpu-plugin-old-behaviour.patch", 10)]
    assert text_at(downstream, inverse) == "-\t\tif len(governors) > self._MAX_GOVERNORS:"
    assert "tuned-2.24.0-cpu-plugin-length-check.patch" in inverse.message
    assert report.notes == ()


def test_without_the_previous_base_the_check_does_not_run_and_says_so() -> None:
    trees = {k: read_distgit(v) for k, v in fixture_trees("reverted").items()}
    alone = run_checks(trees["base"], trees["downstream"], rules=ALMALINUX)
    assert [f for f in alone.findings if f.check == UPSTREAM_FIX_REVERTED] == []
    assert alone.notes == (NEEDS_PREVIOUS_BASE,)


def test_an_unrelated_downstream_edit_is_not_a_revert() -> None:
    previous = tree(spec())
    base = tree(spec(prep="%autosetup -p1\nsed -i 's/-Werror//' Makefile"))
    downstream = tree(downstream_spec(prep="%autosetup -p1\nsed -i 's/-Werror//' Makefile\n"
                                           "sed -i 's/Red Hat/AlmaLinux/' about.txt"))
    assert check(base, downstream, UPSTREAM_FIX_REVERTED, previous_base=previous) == []


def test_a_base_identical_to_the_previous_one_changed_nothing() -> None:
    base = tree(spec())
    downstream = tree(downstream_spec(prep="%setup -q"))
    assert check(base, downstream, UPSTREAM_FIX_REVERTED, previous_base=base) == []


def test_a_removed_line_the_base_took_out_coming_back_is_a_revert() -> None:
    previous = tree(spec(prep="%autosetup -p1\nrm -f tests/broken_test.py"))
    base = tree(spec())
    downstream = tree(downstream_spec(prep="%autosetup -p1\nrm -f tests/broken_test.py"))
    (finding,) = check(base, downstream, UPSTREAM_FIX_REVERTED, previous_base=previous)
    assert "the base took out `rm -f tests/broken_test.py`" in finding.message
    assert downstream.spec.lines[finding.line - 1] == "rm -f tests/broken_test.py"


def test_a_new_patch_still_declared_is_left_to_patch_unapplied() -> None:
    previous = tree(spec(patches=THREE_PATCHES.rsplit("\n", 1)[0]))
    base = tree(spec())
    downstream = tree(downstream_spec(prep="%setup -q\n%patch -P 1 -p1\n%patch -P 2 -p1"))
    assert check(base, downstream, UPSTREAM_FIX_REVERTED, previous_base=previous) == []
    (unapplied,) = check(base, downstream, "patch-unapplied", previous_base=previous)
    assert unapplied.subject == "tool-fix-typo.patch"
