"""patch-file-missing, source-file-missing and file-undeclared, in both dist-git layouts."""

from __future__ import annotations

import pytest

from bot.domain.health.files import FILE_UNDECLARED, PATCH_FILE_MISSING, SOURCE_FILE_MISSING
from bot.domain.model import Severity

from .builders import THREE_PATCHES, check, downstream_spec, raw_tree, spec, spec_text_at, tree

ALMA_PATCH = THREE_PATCHES + "\n# AlmaLinux Patch\nPatch1000:      1000-tool-alma.patch"
DIGEST = "a" * 128


@pytest.mark.parametrize(
    ("base_files", "downstream_files", "expected"),
    [
        pytest.param({}, {"1000-tool-alma.patch": None}, {"1000-tool-alma.patch"},
                     id="added-patch-without-its-file"),
        pytest.param({}, {}, set(), id="added-patch-with-its-file"),
        pytest.param({}, {"1000-tool-alma.patch": None,
                          "sources": f"SHA512 (1000-tool-alma.patch) = {DIGEST}\n"},
                     set(), id="file-in-the-lookaside-listing"),
        pytest.param({"tool-fix-leak.patch": None}, {"tool-fix-leak.patch": None}, set(),
                     id="missing-in-the-base-too-is-not-the-downstreams-doing"),
        pytest.param({}, {"tool-fix-leak.patch": None}, {"tool-fix-leak.patch"},
                     id="downstream-deleted-a-file-the-base-has"),
    ],
)
def test_patch_file_missing(base_files, downstream_files, expected) -> None:
    base_git = tree(spec())
    base_contents = {n: d for n, d in base_git.files.items() if n not in base_files}
    base = raw_tree({"tool.spec": "\n".join(base_git.spec.lines), **base_contents})
    text = downstream_spec(patches=ALMA_PATCH)
    built = tree(text)
    contents = {n: d for n, d in built.files.items() if n not in downstream_files}
    contents.update({n: d for n, d in downstream_files.items() if d is not None})
    downstream = raw_tree({"tool.spec": text, **contents})
    found = check(base, downstream, PATCH_FILE_MISSING)
    assert {f.subject for f in found} == expected
    for finding in found:
        assert finding.severity is Severity.ERROR
        assert spec_text_at(downstream, finding).endswith(finding.subject)
        assert "neither in the tree nor in sources" in finding.message


def test_patch_file_missing_names_the_metadata_file_in_the_split_layout() -> None:
    base = raw_tree({"SPECS/tool.spec": spec(), "SOURCES/tool-fix-crash.patch": "x",
                     "SOURCES/tool-fix-leak.patch": "x", "SOURCES/tool-fix-typo.patch": "x"})
    downstream = raw_tree({
        "SPECS/tool.spec": downstream_spec(patches=ALMA_PATCH),
        "SOURCES/tool-fix-crash.patch": "x", "SOURCES/tool-fix-leak.patch": "x",
        "SOURCES/tool-fix-typo.patch": "x",
        ".tool.metadata": f"{'b' * 40} SOURCES/tool-2.0.tar.gz\n",
    })
    (finding,) = check(base, downstream, PATCH_FILE_MISSING)
    assert finding.file == "SPECS/tool.spec"
    assert finding.message.endswith("nor in .tool.metadata")
    assert spec_text_at(downstream, finding) == "Patch1000:      1000-tool-alma.patch"


def test_source_file_missing_is_a_warning_for_a_new_certificate() -> None:
    """shim-a9: `Source1: almalinuxsecurebootca0.cer` replaces Red Hat's certificates."""
    base = tree(spec())
    patches = THREE_PATCHES + "\nSource300:      almalinuxsecurebootca0.cer"
    downstream = tree(downstream_spec(patches=patches))
    (finding,) = check(base, downstream, SOURCE_FILE_MISSING)
    assert finding.severity is Severity.WARNING
    assert spec_text_at(downstream, finding) == "Source300:      almalinuxsecurebootca0.cer"
    present = tree(downstream_spec(patches=patches), {"almalinuxsecurebootca0.cer": b"\x30\x82"})
    assert check(base, present, SOURCE_FILE_MISSING) == []


@pytest.mark.parametrize(
    ("extra", "spec_addition", "expected"),
    [
        pytest.param({"almalinux-logo.png": b"\x89PNG"}, "", {"almalinux-logo.png"},
                     id="new-file-no-tag"),
        pytest.param({"almalinux-logo.png": b"\x89PNG"}, "Source10: almalinux-logo.png", set(),
                     id="declared-by-a-source-tag"),
        pytest.param({"almalinux-logo.png": b"\x89PNG"}, "#Source10: almalinux-logo.png",
                     {"almalinux-logo.png"}, id="a-commented-tag-declares-nothing"),
        pytest.param({"tool.macros": "%global x 1\n"}, "%include tool.macros", set(),
                     id="read-by-include"),
        pytest.param({"tool.conf": "x=1\n"},
                     "%install\ninstall -m 644 %{_sourcedir}/tool.conf %{buildroot}/etc", set(),
                     id="read-from-the-source-directory"),
        pytest.param({"sources": f"SHA512 (tool-2.0.tar.gz) = {'c' * 128}\n", "gating.yaml": "x",
                      "changelog": "* entry\n", "README.md": "x"}, "", set(),
                     id="dist-git-bookkeeping-files"),
    ],
)
def test_file_undeclared(extra, spec_addition, expected) -> None:
    base = tree(spec())
    patches = THREE_PATCHES + ("\n" + spec_addition if spec_addition else "")
    downstream = tree(downstream_spec(patches=patches), extra)
    found = check(base, downstream, FILE_UNDECLARED)
    assert {f.subject for f in found} == expected
    for finding in found:
        assert finding.severity is Severity.WARNING
        assert finding.file == finding.subject and finding.line is None


def test_file_undeclared_ignores_files_the_base_has_too() -> None:
    base = tree(spec(), {"rhel-only.txt": "x"})
    downstream = tree(downstream_spec(), {"rhel-only.txt": "x"})
    assert check(base, downstream, FILE_UNDECLARED) == []


def test_file_undeclared_uses_the_sources_path_in_the_split_layout() -> None:
    base = raw_tree({"SPECS/tool.spec": spec()})
    downstream = raw_tree({
        "SPECS/tool.spec": downstream_spec(),
        "SOURCES/almalinux-logo.png": b"\x89PNG",
        ".tool.metadata": f"{'b' * 40} SOURCES/tool-2.0.tar.gz\n",
    })
    (finding,) = check(base, downstream, FILE_UNDECLARED)
    assert finding.file == "SOURCES/almalinux-logo.png"
