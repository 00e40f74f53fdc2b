from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.distgit_model import Layout
from bot.domain.model import ChangeType, DeclaredStatus, Kind, Operation
from bot.ingest.analyze import analyze_trees
from bot.ingest.distgit import DistGitError
from tests.fakes.rules import ALMALINUX

ROOT = Path(__file__).resolve().parents[2]
RULES = ALMALINUX

BASE_SPEC = """\
Name: tool
Version: 2.0
Release: 4%{?dist}
Source0: tool-2.0.tar.gz
Patch0: tool-fix-docs.patch
Patch1: tool-rhel-defaults.patch
#Patch2: tool-experimental.patch

%prep
%autosetup -p1

%build
%configure --enable-foo
make

%changelog
* Mon Nov 02 2026 Base Maintainer <m@base.example> - 2.0-4
- Rebuild
"""

FIX = b"""From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: A Packager <a@example.org>
Subject: [PATCH] Fix a crash when the input is empty

Upstream-Status: Submitted [https://github.com/tool/tool/pull/7]
---
diff --git a/src/main.c b/src/main.c
index 1111111..2222222 100644
--- a/src/main.c
+++ b/src/main.c
@@ -1,3 +1,4 @@
 int main(void)
 {
+    if (!input) return 0;
     return run();
"""


def _analyze(base_spec: str, downstream_spec: str, *, base_files=None, downstream_files=None):
    base = {"tool.spec": base_spec.encode(), **(base_files or {})}
    downstream = {"tool.spec": downstream_spec.encode(), **(downstream_files or {})}
    return analyze_trees(base, downstream, rules=RULES)


def _by_name(analysis):
    return {(c.type, c.operation, c.name): c for c in analysis.changes}


def test_added_patch_with_its_file_and_header() -> None:
    spec = BASE_SPEC.replace(
        "#Patch2", "# AlmaLinux Patch\nPatch1001: tool-empty-input-crash.patch\n#Patch2"
    )
    analysis = _analyze(BASE_SPEC, spec, downstream_files={"tool-empty-input-crash.patch": FIX})
    (change,) = analysis.changes
    assert (change.type, change.operation, change.name) == (
        ChangeType.PATCH,
        Operation.ADDED,
        "tool-empty-input-crash.patch",
    )
    assert change.declared_status is DeclaredStatus.SUBMITTED
    assert change.kind is Kind.BUGFIX and change.upstreamable
    assert change.patch_id and change.content_id == change.patch_id
    assert not change.missing_file
    assert (change.file, change.line) == ("tool.spec", 8)
    assert "https://github.com/tool/tool/pull/7" in change.references


def test_added_patch_without_its_file_is_missing() -> None:
    spec = BASE_SPEC.replace("#Patch2", "Patch1001: tool-absent.patch\n#Patch2")
    (change,) = _analyze(BASE_SPEC, spec).changes
    assert change.missing_file
    assert change.patch_id is None
    assert any("not in the tree" in e for e in change.evidence)


@pytest.mark.parametrize(
    ("edit", "evidence"),
    [
        pytest.param(
            ("Patch1: tool-rhel-defaults.patch", "#Patch1: tool-rhel-defaults.patch"),
            "commented out at tool.spec:6",
            id="commented-out",
        ),
        pytest.param(("Patch1: tool-rhel-defaults.patch\n", ""), "Patch tag deleted", id="deleted"),
        pytest.param(
            (
                "Patch1: tool-rhel-defaults.patch",
                "%if ! 0%{?almalinux}\nPatch1: tool-rhel-defaults.patch\n%endif",
            ),
            "guarded by %if ! 0%{?almalinux} at tool.spec:6, false here",
            id="guarded-out",
        ),
    ],
)
def test_disabled_base_patch_is_removed(edit: tuple[str, str], evidence: str) -> None:
    analysis = _analyze(BASE_SPEC, BASE_SPEC.replace(*edit))
    (change,) = analysis.changes
    assert (change.type, change.operation, change.name) == (
        ChangeType.PATCH,
        Operation.REMOVED,
        "tool-rhel-defaults.patch",
    )
    assert any(e.startswith(evidence) for e in change.evidence), change.evidence
    assert change.kind is Kind.BRANDING, "a base patch named after the vendor"


def test_reenabled_patch_is_added() -> None:
    spec = BASE_SPEC.replace("#Patch2:", "Patch2:")
    (change,) = _analyze(BASE_SPEC, spec).changes
    assert (change.operation, change.name) == (Operation.ADDED, "tool-experimental.patch")
    assert any(e.startswith("re-enabled") for e in change.evidence)


def test_modified_patch_file() -> None:
    analysis = _analyze(
        BASE_SPEC,
        BASE_SPEC,
        base_files={"tool-fix-docs.patch": FIX},
        downstream_files={"tool-fix-docs.patch": FIX.replace(b"return 0", b"return 1")},
    )
    (change,) = analysis.changes
    assert (change.type, change.operation) == (ChangeType.PATCH, Operation.MODIFIED)
    assert "-+    if (!input) return 0;" in change.diff


def test_spec_edits_and_bookkeeping() -> None:
    spec = (
        BASE_SPEC.replace("Release: 4%{?dist}", "Release: 4%{?dist}.alma.1")
        .replace("--enable-foo", "--enable-foo --enable-legacy-hw")
        .replace(
            "%changelog\n",
            "%changelog\n* Tue Nov 03 2026 Alma P <p@alma.example> - "
            "2.0-4.alma.1\n- Enable legacy hardware\n\n",
        )
    )
    changes = _by_name(_analyze(BASE_SPEC, spec))
    release = changes[(ChangeType.SPEC_EDIT, Operation.MODIFIED, "Release")]
    changelog = changes[(ChangeType.SPEC_EDIT, Operation.ADDED, "%changelog")]
    build = changes[(ChangeType.SPEC_EDIT, Operation.MODIFIED, "%build")]
    assert (release.kind, release.upstreamable) == (Kind.BOOKKEEPING, False)
    assert (changelog.kind, changelog.upstreamable, changelog.author) == (
        Kind.BOOKKEEPING,
        False,
        "Alma P",
    )
    assert build.upstreamable
    assert build.diff.splitlines()[1:] == [
        "-%configure --enable-foo",
        "+%configure --enable-foo --enable-legacy-hw",
    ]
    assert build.line == 13


def test_ids_survive_a_regenerated_branch() -> None:
    spec = (
        BASE_SPEC.replace("#Patch2", "Patch1001: tool-absent.patch\n#Patch2")
        .replace("--enable-foo", "--enable-bar")
        .replace("Release: 4%{?dist}", "Release: 4%{?dist}.alma.1")
    )
    first = {c.name: c.id for c in _analyze(BASE_SPEC, spec).changes}
    # the next import: a new release, lines moved down, same downstream content
    base2 = "# imported again\n" + BASE_SPEC.replace("Release: 4", "Release: 5")
    spec2 = "# imported again\n" + spec.replace("Release: 4", "Release: 5")
    second = {c.name: c.id for c in _analyze(base2, spec2).changes}
    assert first == second


def test_two_identical_edits_keep_distinct_ids() -> None:
    base = BASE_SPEC.replace("make\n", "make\n\n%install\nmake install\n\n%check\nmake install\n")
    spec = base.replace("make install", "make install DESTDIR=x")
    edits = [c for c in _analyze(base, spec).changes if c.type is ChangeType.SPEC_EDIT]
    assert len(edits) == 2 and len({c.id for c in edits}) == 2


def test_lookaside_change_is_a_modified_source() -> None:
    analysis = _analyze(
        BASE_SPEC,
        BASE_SPEC,
        base_files={"sources": b"SHA512 (tool-2.0.tar.gz) = aaaa\n"},
        downstream_files={"sources": b"SHA512 (tool-2.0.tar.gz) = bbbb\n"},
    )
    (change,) = analysis.changes
    assert (change.type, change.operation, change.name) == (
        ChangeType.SOURCE,
        Operation.MODIFIED,
        "tool-2.0.tar.gz",
    )


def test_layouts_are_detected() -> None:
    base = {"tool.spec": BASE_SPEC.encode()}
    downstream = {
        "SPECS/tool.spec": BASE_SPEC.encode(),
        "SOURCES/tool-fix-docs.patch": FIX,
        ".tool.metadata": b"0123456789abcdef0123456789abcdef01234567 SOURCES/tool-2.0.tar.gz\n",
    }
    analysis = analyze_trees(base, downstream, rules=RULES)
    assert (analysis.base_layout, analysis.layout) == (Layout.FLAT, Layout.SPECS_SOURCES)


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        pytest.param({}, "downstream: empty", id="empty"),
        pytest.param({"README": b"hi"}, "downstream: no spec file", id="no-spec"),
        pytest.param(
            {"a.spec": b"Name: a", "b.spec": b"Name: b"},
            "downstream: several spec files (a.spec, b.spec)",
            id="two-specs",
        ),
        pytest.param(
            {"tool.spec": b"Name: x\x00\xff"},
            "downstream/tool.spec: not a spec file",
            id="binary-junk",
        ),
    ],
)
def test_bad_trees_give_clear_errors(tree: dict[str, bytes], message: str) -> None:
    with pytest.raises(DistGitError) as raised:
        analyze_trees({"tool.spec": BASE_SPEC.encode()}, tree, rules=RULES)
    assert str(raised.value).startswith(message), str(raised.value)


def test_package_name_picks_among_several_specs() -> None:
    tree = {"tool.spec": BASE_SPEC.encode(), "tool-docs.spec": b"Name: tool-docs\n"}
    analysis = analyze_trees(tree, tree, rules=RULES, package="tool")
    assert analysis.changes == ()
    assert any("several spec files" in w for w in analysis.warnings)


def test_non_utf8_spec_is_read_with_a_warning() -> None:
    spec = BASE_SPEC.replace("Rebuild", "Rebuild for Jos\xe9").encode("latin-1")
    analysis = analyze_trees({"tool.spec": BASE_SPEC.encode()}, {"tool.spec": spec}, rules=RULES)
    assert any("not valid UTF-8" in w and "Latin-1" in w for w in analysis.warnings)


def test_example_trees() -> None:
    from bot.service.local_tree import read_local_tree

    base = read_local_tree(ROOT / "examples" / "base").files
    downstream = read_local_tree(ROOT / "examples" / "downstream").files
    analysis = analyze_trees(base, downstream, rules=RULES)
    found = sorted((c.type, c.operation, c.name, c.kind, c.upstreamable) for c in analysis.changes)
    assert found == sorted(
        [
            (ChangeType.PATCH, Operation.ADDED, "hellod-1.4-fd-leak.patch", Kind.BUGFIX, True),
            (
                ChangeType.PATCH,
                Operation.ADDED,
                "hellod-1.4-x86_64_v2.patch",
                Kind.ARCH_ENABLEMENT,
                True,
            ),
            (
                ChangeType.PATCH,
                Operation.REMOVED,
                "hellod-1.4-redhat-support.patch",
                Kind.BRANDING,
                False,
            ),
            (ChangeType.SPEC_EDIT, Operation.MODIFIED, "Release", Kind.BOOKKEEPING, False),
            (ChangeType.SPEC_EDIT, Operation.ADDED, "%changelog", Kind.BOOKKEEPING, False),
            (ChangeType.SPEC_EDIT, Operation.MODIFIED, "%build", Kind.FEATURE_REENABLE, True),
        ]
    )
