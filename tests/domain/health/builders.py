"""Small dist-git trees for the health-check tests, and a way to read the line a finding names."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.domain.distgit_model import DistGit
from bot.domain.health import Finding, HealthReport, run_checks
from bot.ingest.distgit import read_distgit
from bot.service.local_tree import read_local_tree
from tests.fakes.rules import ALMALINUX

DATA = Path(__file__).resolve().parents[2] / "data" / "health"

#: a spec in the shape CentOS Stream imports have; {patches}, {prep} and {release} vary
SPEC = """\
Name:           tool
Version:        2.0
Release:        {release}
Summary:        A tool
License:        MIT
Source0:        tool-2.0.tar.gz
{patches}
BuildRequires:  gcc

%description
A tool.

%prep
{prep}

%build
%configure
%make_build

%changelog
{changelog}* Mon Nov 02 2026 Base Maintainer <m@base.example> - 2.0-4
- Rebuild
"""

THREE_PATCHES = """\
Patch1:         tool-fix-crash.patch
Patch2:         tool-fix-leak.patch
Patch3:         tool-fix-typo.patch"""

ALMA_ENTRY = """\
* Tue Nov 03 2026 A Packager <p@almalinux.example> - 2.0-4.alma.1
- Downstream change

"""


def spec(
    *,
    patches: str = THREE_PATCHES,
    prep: str = "%autosetup -p1",
    release: str = "4%{?dist}",
    changelog: str = "",
) -> str:
    return SPEC.format(patches=patches, prep=prep, release=release, changelog=changelog)


def downstream_spec(**parts: str) -> str:
    """A spec with the downstream's bookkeeping (suffix, changelog entry) already done."""
    return spec(release="4%{?dist}.alma.1", changelog=ALMA_ENTRY, **parts)


def patch_files(text: str) -> dict[str, str]:
    """A one-line diff for each Patch tag of `text`, so no file is missing."""
    files = {}
    for line in text.splitlines():
        if line.lower().startswith("patch") and ":" in line:
            name = line.split(":", 1)[1].strip()
            files[name] = f"--- a/{name}\n+++ b/{name}\n@@ -1 +1 @@\n-old\n+new {name}\n"
    return files


def tree(
    spec_text: str, files: Mapping[str, str | bytes] | None = None, *, name: str = "tool"
) -> DistGit:
    """A flat dist-git tree: `<name>.spec`, the patch files its tags name, and `files`."""
    contents: dict[str, bytes] = {f"{name}.spec": spec_text.encode()}
    for path, data in {**patch_files(spec_text), **(files or {})}.items():
        contents[path] = data.encode() if isinstance(data, str) else data
    return read_distgit(contents, package=name)


def raw_tree(contents: Mapping[str, str | bytes], *, name: str = "tool") -> DistGit:
    """A tree of exactly these files (SPECS/ + SOURCES/ paths allowed)."""
    data = {p: (d.encode() if isinstance(d, str) else d) for p, d in contents.items()}
    return read_distgit(data, package=name)


def check(base: DistGit, downstream: DistGit, check_id: str, **options) -> list[Finding]:
    report = run_checks(base, downstream, rules=options.pop("rules", ALMALINUX), **options)
    return [finding for finding in report.findings if finding.check == check_id]


def fixture_trees(case: str) -> dict[str, dict[str, bytes]]:
    """The trees of tests/data/health/<case>: base, downstream and maybe previous."""
    folder = DATA / case
    return {
        part: read_local_tree(folder / part).files
        for part in ("base", "downstream", "previous")
        if (folder / part).is_dir()
    }


def fixture_report(case: str, **options) -> tuple[HealthReport, dict[str, dict[str, bytes]]]:
    trees = fixture_trees(case)
    gits = {part: read_distgit(files) for part, files in trees.items()}
    report = run_checks(
        gits["base"],
        gits["downstream"],
        rules=options.pop("rules", ALMALINUX),
        previous_base=gits.get("previous"),
        **options,
    )
    return report, trees


def text_at(files: Mapping[str, bytes], finding: Finding) -> str:
    """The line a finding points at, read from the tree it names."""
    assert finding.line is not None, finding
    lines = files[finding.file].decode("utf-8").splitlines()
    assert 1 <= finding.line <= len(lines), finding
    return lines[finding.line - 1]


def spec_text_at(git: DistGit, finding: Finding) -> str:
    """The line a finding points at in a tree built here (the spec or a file beside it)."""
    assert finding.line is not None, finding
    if finding.file == git.spec_path:
        return git.spec.lines[finding.line - 1]
    name = next(n for n, p in git.paths.items() if p == finding.file)
    return git.files[name].decode().splitlines()[finding.line - 1]
