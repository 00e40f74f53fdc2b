"""Every real AlmaLinux autopatch case: parse, apply, and get AlmaLinux's files exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest.autopatch.apply import ApplyResult, apply_config
from bot.ingest.autopatch.parse import (
    AddFile,
    AutopatchConfig,
    DeclaredType,
    DeleteFile,
    declared_changes,
    parse_config,
)

pytestmark = pytest.mark.corpus

#: The 25 cases of autopatch-tool's test suite in ../shared/corpus/autopatch (see its README).
CASES = (
    "abrt", "anaconda-user-help-a9", "bluez", "cloud-init-a9", "crash-a8", "dnf-a10s",
    "efi-rpm-macros", "fwupd-a9", "glibc-a10s", "gnome-shell", "golang-a10s", "grub2-a9",
    "hplip-a9", "libdnf-a10s", "libreport-a9", "mesa", "mock-a9", "openssh", "pesign", "python2",
    "qemu-kvm", "redhat-release", "rust", "shim-a9", "systemd",
)  # fmt: skip
#: autopatch-tool's suite runs with `%rhel` 8 unless told otherwise; the expected files follow it.
EL_VERSION = "8"


@pytest.fixture(scope="module")
def cases_dir(corpus: Path) -> Path:
    return corpus / "autopatch"


def _config_path(case_dir: Path) -> Path:
    found = sorted((case_dir / "autopatch").glob("*.yaml"))
    assert len(found) == 1, found
    return found[0]


def _changelog_date(expected: str) -> str:
    """The frozen date of the entries the case adds: the first `* ` line after `%changelog`."""
    lines = expected.splitlines()
    if "%changelog" not in lines:
        return "Tue Jan 14 2025"
    header = next(
        (line for line in lines[lines.index("%changelog") + 1 :] if line.startswith("* ")),
        "* a b c d",
    )
    return " ".join(header.split()[1:5])


def _apply(case_dir: Path) -> tuple[AutopatchConfig, ApplyResult, dict[str, str]]:
    config_path = _config_path(case_dir)
    config = parse_config(config_path.read_bytes(), path=str(config_path.relative_to(case_dir)))
    files = {
        path.name: path.read_text(encoding="utf-8")
        for path in case_dir.iterdir()
        if path.is_file() and path.name != "expected" and not path.name.endswith(".expected")
    }
    # Like the tool's own test harness: files a config deletes exist, files it adds are provided
    # (with placeholder bytes where the case does not ship them).
    for entry in config.entries():
        if isinstance(entry, DeleteFile):
            files.setdefault(entry.file_name, " ")
    shipped = case_dir / "autopatch" / "files"
    added = {
        entry.name: (shipped / entry.name).read_bytes()
        if (shipped / entry.name).is_file()
        else b" "
        for entry in config.entries()
        if isinstance(entry, AddFile)
    }
    expected = (case_dir / "expected").read_text(encoding="utf-8")
    result = apply_config(
        config,
        files,
        spec_name=f"{case_dir.name}.spec",
        changelog_date=_changelog_date(expected),
        added_files=added,
        package_name=case_dir.name,
        el_version=EL_VERSION,
    )
    return config, result, files


def test_the_corpus_has_the_known_cases(cases_dir):
    assert tuple(sorted(p.name for p in cases_dir.iterdir() if p.is_dir())) == CASES


@pytest.mark.parametrize("case", CASES)
def test_apply_reproduces_almalinux_files_exactly(cases_dir, case):
    case_dir = cases_dir / case

    config, result, files = _apply(case_dir)

    assert result.ok, [str(problem) for problem in result.problems]
    assert result.files[f"{case}.spec"] == (case_dir / "expected").read_text(encoding="utf-8")
    others = [path for path in case_dir.iterdir() if path.name.endswith(".expected")]
    for expected in others:
        name = expected.name.removesuffix(".expected")
        assert result.files[name] == expected.read_text(encoding="utf-8"), name
    deleted = {e.file_name for e in config.entries() if isinstance(e, DeleteFile)}
    assert set(result.removed) == deleted - {
        e.name for e in config.entries() if isinstance(e, AddFile)
    }
    assert set(files) - set(result.files) - set(result.added) == set(result.removed)


@pytest.mark.parametrize("case", CASES)
def test_configs_parse_cleanly_and_declare_their_changes(cases_dir, case):
    config_path = _config_path(cases_dir / case)
    config = parse_config(config_path.read_bytes(), path=config_path.name)

    changes = declared_changes(config)

    assert config.warnings == ()
    assert changes, "every case declares something"
    assert all(change.yaml_line >= 1 for change in changes)
    lines = config_path.read_text(encoding="utf-8").splitlines()
    for change in changes:
        assert lines[change.yaml_line - 1].strip(), f"line {change.yaml_line} is blank"
    added = [
        c for c in changes if c.type in (DeclaredType.PATCH, DeclaredType.SOURCE) and c.file_name
    ]
    assert len(added) >= sum(isinstance(e, AddFile) for e in config.entries())


def test_declared_changes_of_the_corpus_in_numbers(cases_dir):
    counts: dict[DeclaredType, int] = {}
    for case in CASES:
        config_path = _config_path(cases_dir / case)
        for change in declared_changes(parse_config(config_path.read_bytes())):
            counts[change.type] = counts.get(change.type, 0) + 1

    # Each of these kinds of change occurs in the real configs (see the corpus README).
    assert set(counts) >= {
        DeclaredType.SPEC_EDIT,
        DeclaredType.PATCH_EDIT,
        DeclaredType.SOURCE_EDIT,
        DeclaredType.PATCH,
        DeclaredType.SOURCE,
        DeclaredType.BOOKKEEPING,
    }
    assert counts[DeclaredType.BOOKKEEPING] >= 2 * (len(CASES) - 1)
