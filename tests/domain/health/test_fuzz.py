"""Random spec text and files never make `run_checks` raise, and every line it names exists."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.domain.distgit_model import DistGit
from bot.domain.health import run_checks
from bot.domain.text import byte_lines_of
from bot.ingest.distgit import DistGitError, read_distgit
from tests.fakes.rules import ALMALINUX

FRAGMENTS = st.sampled_from(
    [
        "Name: tool",
        "Release: 1%{?dist}",
        "Release: 1%{?dist}.alma.1",
        "Release: %autorelease",
        "Patch0: a.patch",
        "Patch: b.patch",
        "Patch1000: c.patch",
        "#Patch1: c.patch",
        "Source0: tool.tar.gz",
        "Source1: tool.patches",
        "Source2: tool.macros",
        "%include %{SOURCE1}",
        "%include %{SOURCE2}",
        "%include tool.macros",
        "%if 0%{?almalinux}",
        "%if ! 0%{?rhel}",
        "%ifarch x86_64",
        "%elif 1",
        "%else",
        "%endif",
        "%prep",
        "%autosetup -p1",
        "%autosetup -N",
        "%autopatch -p1 -m 1 -M",
        "%autopatch 0 1000",
        "%patch -P",
        "%patch1000 -p1",
        "ApplyPatch a.patch",
        "git am %{patches}",
        "cp %{SOURCE9} %{S:3} %{P:7} %PATCH2 $RPM_SOURCE_DIR/x %{_sourcedir}/",
        "grub,almalinux,2,AlmaLinux,grub2,@@V@@,mailto:x",
        "grub.almalinux,0,,,,",
        "echo 'a,1,b,c,d,e' >> sbat.csv",
        "%global x \\",
        "%define y() \\",
        "%changelog",
        "%autochangelog",
        "* Mon Jan 01 2024 A <a@b> - 1-1",
        "- fix",
        "",
    ]
)
LINE = st.one_of(FRAGMENTS, st.text(st.characters(blacklist_characters="\x00"), max_size=40))
TEXT = st.lists(LINE, max_size=40).map("\n".join)
FILES = st.dictionaries(
    st.sampled_from(
        ["a.patch", "c.patch", "tool.patches", "tool.macros", "sbat.csv.in", "logo.png", "sources"]
    ),
    TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")),
    max_size=5,
)


def _tree(spec: str, files: dict[str, bytes]) -> DistGit:
    try:
        return read_distgit(
            {"tool.spec": spec.encode("utf-8", "surrogatepass"), **files}, package="tool"
        )
    except DistGitError:
        assume(False)
        raise


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, FILES, TEXT, FILES, st.none() | TEXT)
def test_run_checks_never_raises(base_spec, base_files, spec, files, previous_spec) -> None:
    base = _tree(base_spec, base_files)
    downstream = _tree(spec, files)
    previous = None if previous_spec is None else _tree(previous_spec, base_files)
    report = run_checks(base, downstream, rules=ALMALINUX, previous_base=previous)
    counts = {downstream.spec_path: len(downstream.spec.lines)}
    for name, data in downstream.files.items():
        counts[downstream.paths[name]] = len(byte_lines_of(data))
    for finding in report.findings:
        assert finding.file in counts, finding
        if finding.line is not None:
            assert 1 <= finding.line <= max(counts[finding.file], 1), finding
