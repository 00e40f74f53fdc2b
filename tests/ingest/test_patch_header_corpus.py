"""parse_patch_header over the shared corpus: real `git format-patch` output of upstream commits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.domain.model import DeclaredStatus as S
from bot.ingest.patch_header import parse_patch_header
from bot.ingest.references import RefKind

CORPUS_FACTS = {
    # file: (author, subject, references that must be found)
    "firewalld-main-76b9c2bc-nftables-batch-ipset-elements.patch": (
        "Andrew Lukoshko",
        "fix(nftables): batch ipset elements in set_restore to avoid O(n²) insertion cost",
        {(RefKind.BUG, "#933")},
    ),
    "firewalld-stable-0.9-60bca542-nftables-batch-ipset-elements.patch": (
        "Andrew Lukoshko", None, {(RefKind.COMMIT, "76b9c2bc067717cb70c777027c24c76b565ade63")},
    ),
    "sos-22cea2f7-policies-add-almalinux-policy.patch": ("Eduard Abdullin", None, set()),
    "sos-5f06a1b1-policies-fix-distro-identification.patch": (
        "Koichiro Iwao", "[policies] Fix bug in distro identification", set(),
    ),
    "libguestfs-4e02c139-appliance-alma-cloudlinux.patch": (
        "Richard W.M. Jones", None, {(RefKind.BUG, "rhbz#2001636")},
    ),
    "mock-57713509-oci-platform-x86_64-subarch.patch": (
        "Andrew Lukoshko", None, {(RefKind.BUG, "#1732")},
    ),
    "WALinuxAgent-167e494e-added-almalinux-PR2219.patch": (
        "Alexandr Kravchenko", "added AlmaLinux (#2219)", {(RefKind.PR, "#2219")},
    ),
    "cloud-init-9388cc1a-ca_certs-almalinux-cloudlinux-PR5264.patch": (
        "Elkhan Mammadli", None, {(RefKind.PR, "#5264")},
    ),
    "sshfs-2.x-cc5d6bb-sftp_readdir_async-use-after-free.patch": (
        "Nikolaus Rath", None, {(RefKind.BUG, "#7")},
    ),
}


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(CORPUS_FACTS))
def test_corpus_facts(corpus: Path, name: str) -> None:
    author, subject, refs = CORPUS_FACTS[name]
    header = parse_patch_header((corpus / "patches" / name).read_bytes(), path=name)
    assert header.author == author
    assert subject is None or header.subject == subject
    assert refs <= {(r.kind, r.value) for r in header.references}


@pytest.mark.corpus
def test_corpus_every_patch(corpus: Path) -> None:
    """Each file's name carries its upstream commit; each is a plain upstream commit."""
    paths = sorted((corpus / "patches").glob("*.patch"))
    assert len(paths) >= 19
    for path in paths:
        header = parse_patch_header(path.read_bytes(), path=path.name)
        short = next(t for t in path.stem.split("-") if re.fullmatch(r"[0-9a-f]{7,8}", t))
        assert header.commits[0].startswith(short), path.name
        assert header.email and header.date and header.subject, path.name
        assert header.warnings == (), path.name
        cherry = "stable-0.9" in path.name
        assert header.declared_status is (S.BACKPORT if cherry else S.NONE), path.name
