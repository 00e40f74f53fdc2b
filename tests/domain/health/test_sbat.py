"""sbat-malformed: SBAT lines in sbat.csv.in-like files and inline in the spec."""

from __future__ import annotations

import pytest

from bot.domain.health.sbat import SBAT_MALFORMED, problem, vendor_words
from bot.domain.model import Severity
from tests.fakes.rules import ALMALINUX

from .builders import check, downstream_spec, spec, spec_text_at, tree

#: the lines of grub2-a9's sbat.csv.in as the base has them
BASE_SBAT = (
    "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
    "grub,3,Free Software Foundation,grub,@@VERSION@@,https//www.gnu.org/software/grub/\n"
    "grub.rh,2,Red Hat,grub2,@@VERSION_RELEASE@@,mailto:secalert@redhat.com\n"
)
VENDORS = vendor_words(ALMALINUX)
GOOD = "grub.almalinux,2,AlmaLinux,grub2,@@VERSION_RELEASE@@,mailto:security@almalinux.org"


def test_vendor_words_come_from_the_distribution_names() -> None:
    assert VENDORS == ("almalinux",)


@pytest.mark.parametrize(
    ("line", "message", "fix"),
    [
        pytest.param(GOOD, None, None, id="well-formed-vendor-entry"),
        pytest.param("shim.almalinux,1,AlmaLinux,shim,%{version}-%{release},mailto:x@y", None,
                     None, id="macros-in-fields"),
        pytest.param(GOOD.replace("grub.almalinux", "grub,almalinux"),
                     "component name is split by a comma: `grub,almalinux`",
                     "write `grub.almalinux`", id="comma-for-dot"),
        pytest.param(GOOD.replace("grub.almalinux", "grub-almalinux"),
                     "vendor component `grub-almalinux` is not in the `<component>.almalinux` form",
                     "write `grub.almalinux`", id="dash-for-dot"),
        pytest.param(GOOD.replace("grub.almalinux", "almalinux.grub"),
                     "vendor component `almalinux.grub` is not in the `<component>.almalinux` form",
                     "write `grub.almalinux`", id="reversed"),
        pytest.param(GOOD.replace("grub.almalinux", "grub.AlmaLinux"),
                     "vendor component `grub.AlmaLinux` is not in the `<component>.almalinux` form",
                     "write `grub.almalinux`", id="capitals"),
        pytest.param(GOOD.rsplit(",", 1)[0], "has 5 fields, SBAT lines have 6",
                     "exactly six fields", id="url-left-out"),
        pytest.param(GOOD + ",extra", "has 7 fields", "exactly six fields", id="extra-field"),
        pytest.param(GOOD.replace(",2,", ",two,"), "generation `two` is not a positive",
                     "generation number", id="generation-word"),
        pytest.param(GOOD.replace(",2,", ",0,"), "generation `0` is not a positive",
                     "generation number", id="generation-zero"),
        pytest.param("," + GOOD.split(",", 1)[1], "the component name is empty",
                     "component name", id="empty-component"),
    ],
)
def test_problem(line: str, message: str | None, fix: str | None) -> None:
    found = problem(line, VENDORS)
    if message is None:
        assert found is None
    else:
        assert found is not None
        assert message in found[0]
        assert fix in found[1]


def _with_sbat(downstream_sbat: str, *, base_sbat: str = BASE_SBAT):
    source = "Source12:       sbat.csv.in"
    base = tree(spec(patches=source), {"sbat.csv.in": base_sbat})
    downstream = tree(downstream_spec(patches=source), {"sbat.csv.in": downstream_sbat})
    return base, downstream


def test_the_grub_typo_is_reported_at_its_line() -> None:
    typo = GOOD.replace("grub.almalinux", "grub,almalinux")
    base, downstream = _with_sbat(BASE_SBAT + typo + "\n")
    (finding,) = check(base, downstream, SBAT_MALFORMED)
    assert finding.severity is Severity.ERROR
    assert (finding.file, finding.line) == ("sbat.csv.in", 4)
    assert spec_text_at(downstream, finding) == typo
    assert finding.hint.startswith("write `grub.almalinux`")


def test_a_correct_vendor_line_and_comments_pass() -> None:
    base, downstream = _with_sbat("# SBAT for grub\n" + BASE_SBAT + GOOD + "\n\n")
    assert check(base, downstream, SBAT_MALFORMED) == []


def test_a_malformed_line_inherited_from_the_base_is_not_the_downstreams() -> None:
    odd = "grub.rh,2,Red Hat,grub2,mailto:secalert@redhat.com\n"
    base, downstream = _with_sbat(odd + GOOD + "\n", base_sbat=odd)
    assert check(base, downstream, SBAT_MALFORMED) == []


def test_sbat_inline_in_the_spec_here_document() -> None:
    prep = (
        "%autosetup -p1\n"
        "cat > data/sbat.csv << EOF\n"
        "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
        "shim,4,UEFI shim,shim,1,https://github.com/rhboot/shim\n"
        "shim,almalinux,1,AlmaLinux,shim,%{version},mailto:security@almalinux.org\n"
        "EOF"
    )
    base = tree(spec(prep=prep.replace("shim,almalinux", "shim.rhel").replace(
        "AlmaLinux", "Red Hat")))
    downstream = tree(downstream_spec(prep=prep))
    (finding,) = check(base, downstream, SBAT_MALFORMED)
    assert finding.file == "tool.spec"
    assert spec_text_at(downstream, finding).startswith("shim,almalinux,1,")


def test_sbat_written_with_echo_is_read_inside_the_quotes() -> None:
    line = 'echo "fwupd.almalinux,1,AlmaLinux,fwupd,%{version},mailto:x@y" >> sbat.csv'
    base = tree(spec())
    assert check(base, tree(downstream_spec(prep=f"%autosetup -p1\n{line}")), SBAT_MALFORMED) == []
    broken = line.replace("fwupd.almalinux", "fwupd-almalinux")
    (finding,) = check(base, tree(downstream_spec(prep=f"%autosetup -p1\n{broken}")),
                       SBAT_MALFORMED)
    assert "fwupd-almalinux" in finding.message


def test_meson_sbat_options_are_not_csv() -> None:
    """fwupd-a9 passes its SBAT data as meson options; they are not CSV lines."""
    prep = '%autosetup -p1\n%meson -Dfwupd-efi:efi_sbat_distro_id="almalinux" \\\n  -Dx=1'
    assert check(tree(spec()), tree(downstream_spec(prep=prep)), SBAT_MALFORMED) == []
