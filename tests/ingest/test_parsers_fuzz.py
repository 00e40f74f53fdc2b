"""Random input never makes the spec and dist-git readers fail with anything but their errors."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.analyze import analyze_trees
from bot.ingest.distgit import DistGitError
from bot.ingest.spec import SpecError, parse_spec
from tests.fakes.rules import ALMALINUX

SPEC_LINES = st.sampled_from(
    [
        "Name: x",
        "Version: 1",
        "Release: 1%{?dist}",
        "Release: 1%{?dist}.alma.1",
        "Patch0: a.patch",
        "Patch: b.patch",
        "#Patch1: c.patch",
        "Source0: %{name}-%{version}.tar.gz",
        "%if 0%{?rhel}",
        "%if 0%{!?almalinux}",
        "%ifarch x86_64",
        "%else",
        "%endif",
        "%elif 1",
        "%prep",
        "%autosetup -p1",
        "%autopatch -m 100",
        "%patch0 -p1",
        "%patch -P 1",
        "ApplyPatch a.patch",
        "%build",
        "%changelog",
        "* Mon Jan 01 2024 A <a@b> - 1-1",
        "- fix",
        "%include %{SOURCE1}",
        "%global foo \\",
        "%define bar() \\",
        "",
        "%files",
        "%{?x:%{y}}",
        "%{",
        "%%",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(SPEC_LINES, st.text(max_size=40)), max_size=60))
def test_parse_spec_never_fails_unexpectedly(lines: list[str]) -> None:
    try:
        spec = parse_spec("\n".join(lines), path="x.spec", includes={"a.patch": "Patch9: z"})
    except SpecError:
        return
    assert all(isinstance(w, str) for w in spec.warnings)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "x.spec",
                "y.spec",
                "SPECS/x.spec",
                "SOURCES/a.patch",
                "a.patch",
                "sources",
                ".x.metadata",
                "README",
            ]
        ),
        st.one_of(st.binary(max_size=300), SPEC_LINES.map(str.encode)),
        max_size=5,
    ),
    st.lists(SPEC_LINES, max_size=30),
)
def test_analyze_never_fails_unexpectedly(tree: dict[str, bytes], lines: list[str]) -> None:
    base = {"x.spec": "\n".join(lines).encode()}
    try:
        analysis = analyze_trees(base, tree, rules=ALMALINUX)
    except DistGitError as error:
        assert str(error)
        return
    assert all(change.id for change in analysis.changes)
