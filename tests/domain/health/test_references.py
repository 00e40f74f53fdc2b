"""dangling-source-reference: numbered references to Source and Patch tags that do not exist."""

from __future__ import annotations

import pytest

from bot.domain.health.references import DANGLING_REFERENCE
from bot.domain.model import Severity

from .builders import THREE_PATCHES, check, downstream_spec, spec, spec_text_at, tree

CERTS = "Source300:      redhatsecurebootca3.cer\nSource301:      redhatsecureboot301.cer"
ALMA_CERT = "Source300:      almalinuxsecurebootca0.cer"
FILES = {
    "redhatsecurebootca3.cer": b"ca",
    "redhatsecureboot301.cer": b"cert",
    "almalinuxsecurebootca0.cer": b"alma",
}


def _pair(prep: str, *, base_prep: str | None = None, patches: str = ALMA_CERT):
    base = tree(spec(patches=f"{THREE_PATCHES}\n{CERTS}", prep=base_prep or prep), FILES)
    downstream = tree(downstream_spec(patches=f"{THREE_PATCHES}\n{patches}", prep=prep), FILES)
    return base, downstream


SIGN = "%pesign -s -i a.efi -o b.efi -a {ca} -c {cert} -n redhatsecureboot301"


@pytest.mark.parametrize(
    ("prep", "expected"),
    [
        pytest.param("%autosetup -p1\n" + SIGN.format(ca="%{SOURCE300}", cert="%{SOURCE301}"),
                     {"%{SOURCE301}"}, id="fwupd-style-signing-line"),
        pytest.param("%autosetup -p1\n" + SIGN.format(ca="%SOURCE300", cert="%SOURCE301"),
                     {"%{SOURCE301}"}, id="without-braces"),
        pytest.param("%autosetup -p1\ninstall -m 644 %{S:301} %{buildroot}/x", {"%{SOURCE301}"},
                     id="short-S-form"),
        pytest.param("%autosetup -N\npatch -p1 < %{P:7}", {"%{PATCH7}"}, id="short-P-form"),
        pytest.param("%autosetup -N\ngit apply %{PATCH7}", {"%{PATCH7}"}, id="PATCH-form"),
        pytest.param("%autosetup -p1\ncp %{?SOURCE301} .", set(), id="conditional-reference"),
        pytest.param("%autosetup -p1\n# signed with %{SOURCE301} before", set(),
                     id="comment-line"),
        pytest.param("%autosetup -p1\n%if 0%{?fedora}\ncp %{SOURCE301} .\n%endif", set(),
                     id="inside-a-false-guard"),
        pytest.param("%autosetup -p1\ncp %{SOURCE300} %{SOURCE3000} .", {"%{SOURCE3000}"},
                     id="a-longer-number-is-another-tag"),
        pytest.param("%autosetup -p1\ncp %{SOURCE300} %{SOURCE0} .", set(), id="all-declared"),
    ],
)
def test_dangling_reference(prep: str, expected: set[str]) -> None:
    base, downstream = _pair(prep, base_prep="%autosetup -p1")
    found = check(base, downstream, DANGLING_REFERENCE)
    assert {f.subject for f in found} == expected
    for finding in found:
        assert finding.severity is Severity.ERROR
        line = spec_text_at(downstream, finding)
        assert finding.message.split(" ", 1)[0] in line


def test_the_message_names_what_the_base_declared_and_counts_the_other_lines() -> None:
    prep = "%autosetup -p1\n" + "\n".join(
        SIGN.format(ca="%{SOURCE300}", cert="%{SOURCE301}") for _ in range(3)
    )
    base, downstream = _pair(prep)
    (finding,) = check(base, downstream, DANGLING_REFERENCE)
    assert finding.message == (
        "%{SOURCE301} refers to Source301, which the spec does not declare (and 2 more lines); "
        "the base declares it as redhatsecureboot301.cer"
    )
    assert finding.line == downstream.spec.lines.index(SIGN.format(
        ca="%{SOURCE300}", cert="%{SOURCE301}")) + 1


def test_a_reference_the_base_already_leaves_dangling_is_not_reported() -> None:
    prep = "%autosetup -p1\ncp %{SOURCE99} ."
    base, downstream = _pair(prep, patches=CERTS)
    assert check(base, downstream, DANGLING_REFERENCE) == []


def test_references_in_the_changelog_are_history() -> None:
    base, downstream = _pair("%autosetup -p1")
    text = "\n".join(downstream.spec.lines).replace("- Downstream change", "- Drop %{SOURCE301}")
    downstream = tree(text, FILES)
    assert check(base, downstream, DANGLING_REFERENCE) == []


def test_a_reference_in_an_included_macro_file_points_into_that_file() -> None:
    """shim-a9: shim.rpmmacros still signs with %{SOURCE2} after Source2 was deleted."""
    macros = (
        "%global efi_vendor redhat\n"
        "%define sign_it()\t\\\n"
        "\t%{expand:%%sign -i a.efi -o b.efi -a %{SOURCE301} -c %{SOURCE300} } \\\n"
        "\t%{nil}\n"
    )
    files = {**FILES, "tool.rpmmacros": macros}
    include = "Source1:        tool.rpmmacros\n%include %{SOURCE1}"
    base = tree(spec(patches=f"{THREE_PATCHES}\n{CERTS}\n{include}"), files)
    downstream = tree(downstream_spec(patches=f"{THREE_PATCHES}\n{ALMA_CERT}\n{include}"), files)
    (finding,) = check(base, downstream, DANGLING_REFERENCE)
    assert (finding.file, finding.line) == ("tool.rpmmacros", 3)
    assert "%{SOURCE301}" in spec_text_at(downstream, finding)
