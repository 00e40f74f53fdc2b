from __future__ import annotations

import pytest

from bot.ingest.spec import SpecError, parse_spec

SPEC = """\
%global forgeurl https://example.org/hello
Name: hello
Version: 1.2
Release: 3%{?dist}.alma.1
Source0: %{forgeurl}/%{name}-%{version}.tar.gz
Source1: hello.conf
Patch0: hello-fix-crash.patch
Patch: hello-docs.patch
#Patch5: hello-redhat-branding.patch
%if 0%{?rhel}
Patch10: hello-rhel-only.patch
%else
Patch11: hello-other.patch
%endif

%description
Hello.

%prep
%setup -q
%patch0 -p1
%patch -P 1 -p1
%patch 10 -p1
ApplyPatch hello-other.patch

%build
make

%changelog
* Tue Jan 14 2025 Jane Packager <jane@example.org> - 1.2-3.alma.1
- Fix the crash
- Debrand

* Mon Jan 13 2025 Upstream Person <up@example.com> - 1.2-3
- Rebuild
"""


@pytest.fixture(scope="module")
def spec():
    return parse_spec(SPEC, path="hello.spec")


def test_tags_are_numbered_like_rpm(spec) -> None:
    patches = {t.filename: t.number for t in spec.patches()}
    assert patches == {
        "hello-fix-crash.patch": 0,
        "hello-docs.patch": 1,
        "hello-rhel-only.patch": 10,
        "hello-other.patch": 11,
    }


def test_commented_tags_are_kept_apart(spec) -> None:
    commented = spec.patches(active=False)
    assert [(t.filename, t.line) for t in commented] == [("hello-redhat-branding.patch", 9)]


def test_source_values_are_expanded(spec) -> None:
    assert [t.filename for t in spec.sources()] == ["hello-1.2.tar.gz", "hello.conf"]


def test_conditions_are_recorded(spec) -> None:
    rhel_only = next(t for t in spec.tags if t.filename == "hello-rhel-only.patch")
    other = next(t for t in spec.tags if t.filename == "hello-other.patch")
    assert [(c.expression, c.negated) for c in rhel_only.conditions] == [("0%{?rhel}", False)]
    assert [(c.expression, c.negated) for c in other.conditions] == [("0%{?rhel}", True)]


def test_applications_in_every_form(spec) -> None:
    found = [(a.method, a.numbers, a.names, a.line) for a in spec.applications]
    assert found == [
        ("patch", (0,), (), 21),
        ("patch", (1,), (), 22),
        ("patch", (10,), (), 23),
        ("applypatch", (), ("hello-other.patch",), 24),
    ]


def test_release_suffix(spec) -> None:
    assert spec.release is not None
    assert (spec.release.line, spec.release.suffix) == (4, ".alma.1")


def test_changelog_entries(spec) -> None:
    first, second = spec.changelog
    assert (first.author, first.email, first.version, first.line) == (
        "Jane Packager",
        "jane@example.org",
        "1.2-3.alma.1",
        30,
    )
    assert first.items == ("- Fix the crash", "- Debrand")
    assert second.version == "1.2-3"


def test_sections(spec) -> None:
    assert spec.section_at(5) == "preamble"
    assert spec.section_at(21) == "%prep"
    assert spec.section_at(27) == "%build"


@pytest.mark.parametrize(
    ("text", "method", "applies_all", "numbers", "bounds"),
    [
        ("%autosetup -p1", "autosetup", True, (), None),
        ("%autosetup -N", "autosetup", False, (), None),
        ("%autopatch -p1", "autopatch", True, (), None),
        ("%autopatch -p1 -m 100 -M 199", "autopatch", False, (), (100, 199)),
        ("%autopatch -p1 3 4", "autopatch", False, (3, 4), None),
        ("%patch -P3 -P 4 -p1", "patch", False, (3, 4), None),
        ("%patch1022 -p1 -b .redhat-help", "patch", False, (1022,), None),
    ],
)
def test_application_forms(text, method, applies_all, numbers, bounds) -> None:
    spec = parse_spec(f"Name: x\n%prep\n{text}\n", path="x.spec")
    (application,) = spec.applications
    assert (
        application.method,
        application.applies_all,
        application.numbers,
        application.range,
    ) == (
        method,
        applies_all,
        numbers,
        bounds,
    )


def test_included_patch_lists_are_read() -> None:
    spec = parse_spec(
        "Name: grub2\nSource11: grub.patches\n%include %{SOURCE11}\n%prep\n%autosetup -p1\n",
        path="grub2.spec",
        includes={"grub.patches": "Patch0001: 0001-a.patch\nPatch0002: 0002-b.patch\n"},
    )
    assert [(t.filename, t.file, t.line) for t in spec.patches()] == [
        ("0001-a.patch", "grub.patches", 1),
        ("0002-b.patch", "grub.patches", 2),
    ]


def test_missing_include_is_a_warning() -> None:
    spec = parse_spec("Name: x\nSource1: list.patches\n%include %{SOURCE1}\n", path="x.spec")
    assert spec.warnings == ("x.spec:3: %include %{SOURCE1} (list.patches) is not in the tree",)


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("%if 0%{?rhel}\nPatch1: a.patch\n", "x.spec:1: %if is never closed by %endif"),
        ("Patch1: a.patch\n%endif\n", "x.spec:2: %endif without a matching %if"),
        ("%else\n", "x.spec:1: %else without a matching %if"),
    ],
)
def test_unbalanced_conditionals_warn(text: str, warning: str) -> None:
    spec = parse_spec(text, path="x.spec")
    assert any(w.startswith(warning) for w in spec.warnings), spec.warnings
    assert [t.filename for t in spec.patches()] == ["a.patch"] or "Patch" not in text


def test_nul_bytes_are_an_error() -> None:
    with pytest.raises(SpecError, match=r"x.spec: not a spec file"):
        parse_spec("Name: x\x00\x01", path="x.spec")


def test_multi_line_macro_bodies_are_not_spec_lines() -> None:
    text = (
        "%define grub_modules()\t\\\n"
        "%{expand:%if 0%{?with_efi}\t\\\n"
        "Patch9: not-a-tag.patch\t\\\n"
        "%endif}\n"
        "Patch1: real.patch\n"
    )
    spec = parse_spec(text, path="x.spec")
    assert [t.filename for t in spec.patches()] == ["real.patch"]
    assert spec.warnings == ()


def test_else_after_elif_negates_every_earlier_branch() -> None:
    text = (
        "%if 0%{?fedora}\nPatch1: f.patch\n%elif 0%{?rhel}\nPatch2: r.patch\n"
        "%else\nPatch3: o.patch\n%endif\n"
    )
    spec = parse_spec(text, path="x.spec")
    other = next(t for t in spec.tags if t.filename == "o.patch")
    assert sorted((c.expression, c.negated) for c in other.conditions) == [
        ("0%{?fedora}", True),
        ("0%{?rhel}", True),
    ]


def test_second_else_is_a_warning() -> None:
    spec = parse_spec("%if 0%{?rhel}\n%else\n%else\nPatch1: a.patch\n%endif\n", path="x.spec")
    assert spec.warnings[-1:] == ("x.spec:3: %else after %else in one %if block; ignored",)
