"""Writes a package's spec file and dist-git trees in both layouts (flat, and SPECS/ + SOURCES/
with `.<pkg>.metadata`), as the base distribution, CentOS Stream and Fedora have them.

The preamble keeps at least three unchanged lines between any two places a downstream
edits, so the analysis sees each edit as a change of its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.sandbox.gitstore import Author

#: The base distribution's texts the downstream replaces.
VENDOR_SENTENCE = "This build follows the Red Hat Enterprise Linux defaults."
BUG_URL = "%global bug_url https://issues.redhat.com/"
SB_KEY = "%global sb_key redhatsecureboot301"
EXCLUSIVE_ARCH = "ExclusiveArch:  x86_64 aarch64 ppc64le s390x"


@dataclass(frozen=True, slots=True)
class ChangelogEntry:
    when: datetime
    author: Author
    evr: str
    lines: tuple[str, ...]

    def text(self) -> str:
        head = f"* {self.when:%a %b %d %Y} {self.author.name} <{self.author.email}> - {self.evr}"
        return "\n".join([head, *(f"- {line}" for line in self.lines)])


@dataclass(frozen=True, slots=True)
class SpecTraits:
    """What a package's spec holds besides its version, patches and changelog."""

    name: str
    summary: str
    license: str
    url: str
    libs: tuple[str, ...]
    #: a `with_<feature>` build switch, off where `%rhel` is defined
    feature: str | None = None
    exclusive_arch: bool = False
    sb_key: bool = False
    bug_url: bool = False
    vendor_sentence: bool = False
    #: `%autosetup -p1` applies every patch; otherwise one `%patch` line per patch
    autosetup: bool = True


@dataclass(frozen=True, slots=True)
class SpecVariant:
    """How one distribution's copy of the spec differs: version, release and its own edits."""

    version: str
    release: str
    patches: Sequence[str]
    changelog: Sequence[ChangelogEntry]
    #: `%autorelease` / `%autochangelog` (Fedora)
    autorelease: bool = False
    feature_on: bool = False
    extra_arches: tuple[str, ...] = ()
    extra_build_requires: tuple[str, ...] = ()
    #: traits of the base distribution this copy does not have (Fedora has no Red Hat key)
    drop: frozenset[str] = field(default_factory=frozenset)


def spec_text(traits: SpecTraits, variant: SpecVariant) -> str:
    t, v = traits, variant
    lines: list[str] = []
    if t.feature:
        on = "1" if v.feature_on else "0"
        lines += ["%if 0%{?rhel}", f"%global with_{t.feature} {on}", "%else"]
        lines += [f"%global with_{t.feature} 1", "%endif", ""]
    release = "%autorelease" if v.autorelease else f"{v.release}%{{?dist}}"
    lines += [
        f"Name:           {t.name}",
        f"Version:        {v.version}",
        f"Release:        {release}",
        f"Summary:        {t.summary}",
        "",
        f"License:        {t.license}",
        f"URL:            {t.url}",
        "Source0:        %{url}/archive/v%{version}/%{name}-%{version}.tar.gz",
        "",
        *(patch_tag(n, name) for n, name in enumerate(v.patches)),
    ]
    bug_url = t.bug_url and "bug_url" not in v.drop
    sb_key = t.sb_key and "sb_key" not in v.drop
    if bug_url or sb_key:
        lines += ["", "# Where users report bugs, and the key that", "# signs the EFI binaries"]
        lines += [BUG_URL] if bug_url else []
        lines += [SB_KEY] if sb_key else []
    if t.exclusive_arch:
        arches = " ".join((EXCLUSIVE_ARCH, *v.extra_arches))
        lines += [
            "",
            "# The architectures the package is",
            "# built for: those the base distribution",
        ]
        lines += ["# supports", arches]
    requires = ["gcc", "make", *(f"{lib}-devel" for lib in t.libs), *v.extra_build_requires]
    lines += ["", "# Build dependencies", *(f"BuildRequires:  {r}" for r in requires), ""]
    lines += ["%description", f"{t.summary}."]
    if t.vendor_sentence and "vendor_sentence" not in v.drop:
        lines.append(VENDOR_SENTENCE)
    lines += ["", "%prep"]
    if t.autosetup:
        lines.append("%autosetup -p1")
    else:
        lines.append("%setup -q")
        lines += [patch_line(n, name) for n, name in enumerate(v.patches)]
    lines += ["", "%build", "%make_build", "", "%install", "%make_install", "", "%files"]
    lines += ["%license COPYING", "%doc README.md NEWS", f"%{{_bindir}}/{t.name}", ""]
    lines.append("%changelog")
    if v.autorelease:
        lines.append("%autochangelog")
    else:
        lines.append("\n\n".join(entry.text() for entry in v.changelog))
    return "\n".join(lines) + "\n"


def patch_line(number: int, name: str) -> str:
    """How a spec without `%autosetup` applies its patch `number`."""
    suffix = name.removesuffix(".patch").rsplit("-", 1)[-1]
    return f"%patch -P{number} -p1 -b .{suffix}"


def patch_tag(number: int, name: str) -> str:
    """A `PatchN:` line, its value aligned with the other tags' (column 17)."""
    tag = f"Patch{number}:"
    return f"{tag}{' ' * max(1, 16 - len(tag))}{name}"


def split_tree(name: str, spec: str, files: Mapping[str, bytes], version: str) -> dict[str, bytes]:
    """AlmaLinux 8/9 layout: `SPECS/`, `SOURCES/` and the lookaside `.<name>.metadata`."""
    tree = {f"SPECS/{name}.spec": spec.encode()}
    tree.update({f"SOURCES/{path}": data for path, data in files.items()})
    digest = hashlib.sha1(f"{name}-{version}".encode(), usedforsecurity=False).hexdigest()
    tree[f".{name}.metadata"] = f"{digest} SOURCES/{name}-{version}.tar.gz\n".encode()
    return tree


def flat_tree(name: str, spec: str, files: Mapping[str, bytes], version: str) -> dict[str, bytes]:
    """CentOS Stream, Fedora and AlmaLinux 10 layout: everything at the top, `sources`."""
    tree = {f"{name}.spec": spec.encode(), **files}
    digest = hashlib.sha512(f"{name}-{version}".encode()).hexdigest()
    tree["sources"] = f"SHA512 ({name}-{version}.tar.gz) = {digest}\n".encode()
    return tree
