"""The words a seeded world is made of: package names, people, summaries and identifiers.

Every person here is invented; the email domains say which side of the story they are on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.sandbox.gitstore import Author

#: AlmaLinux packagers: they own the downstream changes.
ALMA_PEOPLE = (
    Author("Mira Castell", "mcastell@almalinux.org"),
    Author("Jonas Ekberg", "jekberg@almalinux.org"),
    Author("Priya Raman", "praman@almalinux.org"),
    Author("Tomas Varga", "tvarga@almalinux.org"),
    Author("Lena Okafor", "lokafor@almalinux.org"),
)
#: Maintainers of the base distribution's packages.
BASE_PEOPLE = (
    Author("Hana Novak", "hnovak@redhat.com"),
    Author("Peter Lindqvist", "plindqvist@redhat.com"),
    Author("Carla Mendes", "cmendes@redhat.com"),
    Author("Victor Hale", "vhale@redhat.com"),
)
#: Authors of the original upstream projects.
UPSTREAM_PEOPLE = (
    Author("Ada Brightwater", "ada@brightwater.example.org"),
    Author("Kofi Mensah", "kofi.mensah@example.net"),
    Author("Yuki Tanabe", "ytanabe@example.com"),
    Author("Rafael Duarte", "rduarte@example.org"),
)
BOT = Author("upstream-bot", "upstream-bot@almalinux.org")
IMPORTER = Author("AlmaLinux Git Sync", "gitsync@almalinux.org")

VERBS = ("parse", "load", "store", "resolve", "encode", "decode", "scan", "merge", "sync", "open")
NOUNS = (
    "entry", "header", "buffer", "record", "option", "token", "path", "queue",
    "session", "table", "config", "cache", "label", "range", "socket", "policy",
)  # fmt: skip
FEATURES = ("btrfs", "zstd", "ldap", "selinux", "systemd", "gtk", "lua", "python")
LICENSES = ("MIT", "GPL-2.0-or-later", "LGPL-2.1-or-later", "BSD-3-Clause", "Apache-2.0")
LIBS = ("zlib", "openssl", "libxml2", "glib2", "ncurses", "readline", "libcap", "pcre2")
SUMMARY_FORMS = (
    "Tools to {verb} {noun} files",
    "Library for {noun} {verb} operations",
    "A fast {noun} {verb} daemon",
    "Utilities for managing the system {noun}",
)

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


class SeedNameError(ValueError):
    """A package name the seed cannot use: it says which and why."""


def package_names(count: int, names: Sequence[str] | None) -> list[str]:
    """`count` names: the given ones first (in order), then `pkg-0001`-style ones."""
    if count < 0:
        raise SeedNameError(f"packages: {count} is negative; give 0 or more")
    chosen: list[str] = []
    seen: set[str] = set()
    for name in (names or ())[:count]:
        if not _NAME.fullmatch(name):
            raise SeedNameError(f"package name {name!r}: use letters, digits and ._+- only")
        if name in seen:
            raise SeedNameError(f"package name {name!r} is given twice")
        seen.add(name)
        chosen.append(name)
    number = 0
    while len(chosen) < count:
        number += 1
        generated = f"pkg-{number:04d}"
        if generated not in seen:
            seen.add(generated)
            chosen.append(generated)
    return chosen


def c_prefix(name: str) -> str:
    """A C identifier prefix from a package name (`python3-foo` -> `python3_foo`)."""
    text = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "pkg"
    return text if text[0].isalpha() else f"p{text}"
