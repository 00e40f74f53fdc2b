"""The fake source tree of a package's upstream project: small C modules, a Makefile, a list
of known distributions and a config file, with the places where fixes can go.

Every code line carries an identifier or a number of its own, so a diff of one edit has one
possible shape and git's diff of the same edit is the one `seed_diff` writes by hand.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from bot.sandbox.seed_names import FEATURES, NOUNS, VERBS, c_prefix

MAKEFILE = "Makefile"
DISTRO_FILE = "src/distro.c"
ARCHES_LINE = "ARCHES = x86_64 aarch64 ppc64le s390x"


@dataclass(frozen=True, slots=True)
class Function:
    """One C function of a module, with the 0-based line numbers fixes edit."""

    path: str
    name: str
    arg: str
    open_line: int
    lookup_line: int
    return_rc_line: int
    assign_line: int
    final_line: int


@dataclass(frozen=True, slots=True)
class Project:
    """An upstream project's files (version independent) and where its fixes can go."""

    name: str
    prefix: str
    files: Mapping[str, str]
    functions: tuple[Function, ...]
    conf: str

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.path for f in self.functions))

    def tree(self, version: str, history: tuple[str, ...]) -> dict[str, bytes]:
        """The files of a release: the code plus `VERSION` and a `NEWS` naming `history`."""
        news = "".join(f"{v}\n  * Release {v}.\n\n" for v in reversed(history))
        files = {path: text.encode() for path, text in self.files.items()}
        files["VERSION"] = f"{version}\n".encode()
        files["NEWS"] = news.encode()
        return files


def make_project(name: str, rng: random.Random) -> Project:
    prefix = c_prefix(name)
    modules = rng.sample(NOUNS, 3)
    files: dict[str, str] = {}
    functions: list[Function] = []
    serial = rng.randrange(10, 90)
    for module in modules:
        path = f"src/{prefix}_{module}.c"
        lines = [
            f"/* {prefix}_{module}.c - {module} handling for {name} */",
            "#include <errno.h>",
            "#include <stdlib.h>",
            f'#include "{prefix}.h"',
        ]
        for verb in rng.sample(VERBS, 4):
            serial += rng.randrange(3, 17)
            function, body = _function(path, prefix, verb, module, serial, len(lines) + 1)
            functions.append(function)
            lines += ["", *body]
        files[path] = "\n".join(lines) + "\n"
    files[f"src/{prefix}.h"] = _header(prefix)
    files[DISTRO_FILE] = _distro(name, prefix)
    files[MAKEFILE] = _makefile(name, modules, prefix)
    conf = f"conf/{name}.conf"
    files[conf] = _conf(name, rng)
    files["README.md"] = f"# {name}\n\n{name} is a small project of the sandbox world.\n"
    files["COPYING"] = "Permission is granted to use this sandbox code for anything.\n"
    return Project(name, prefix, files, tuple(functions), conf)


def _function(
    path: str, prefix: str, verb: str, noun: str, serial: int, first: int
) -> tuple[Function, list[str]]:
    name = f"{prefix}_{verb}_{noun}"
    arg = f"{noun}_name"
    body = [
        f"static int {name}(struct {prefix}_ctx *ctx, const char *{arg})",
        "{",
        f"    char *buf = {prefix}_strdup({arg});",
        f"    int rc = {prefix}_lookup(ctx, buf, {serial});",
        "    if (rc < 0)",
        "        return rc;",
        f"    ctx->{noun}_count = rc + {serial % 7 + 1};",
        f'    return {prefix}_commit(ctx, "{verb}-{serial}");',
        "}",
    ]
    function = Function(
        path,
        name,
        arg,
        open_line=first + 1,
        lookup_line=first + 3,
        return_rc_line=first + 5,
        assign_line=first + 6,
        final_line=first + 7,
    )
    return function, body


def _header(prefix: str) -> str:
    guard = f"{prefix.upper()}_H"
    return "\n".join(
        [
            f"#ifndef {guard}",
            f"#define {guard}",
            "",
            f"struct {prefix}_ctx {{",
            *(f"    int {noun}_count;" for noun in NOUNS),
            "};",
            "",
            f"char *{prefix}_strdup(const char *s);",
            f"int {prefix}_lookup(struct {prefix}_ctx *ctx, const char *key, int limit);",
            f"int {prefix}_commit(struct {prefix}_ctx *ctx, const char *what);",
            "",
            f"#endif /* {guard} */",
            "",
        ]
    )


def _distro(name: str, prefix: str) -> str:
    return "\n".join(
        [
            f"/* distro.c - the distributions {name} knows */",
            "#include <string.h>",
            "",
            "static const char *const known_distros[] = {",
            '    "rhel",',
            '    "centos",',
            '    "fedora",',
            "    NULL",
            "};",
            "",
            f"int {prefix}_known_distro(const char *id)",
            "{",
            "    for (size_t i = 0; known_distros[i] != NULL; i++)",
            "        if (strcmp(known_distros[i], id) == 0)",
            "            return 1;",
            "    return 0;",
            "}",
            "",
        ]
    )


def _makefile(name: str, modules: list[str], prefix: str) -> str:
    objects = " ".join(f"src/{prefix}_{m}.o" for m in modules)
    return "\n".join(
        [
            f"# Makefile for {name}",
            "PREFIX ?= /usr",
            ARCHES_LINE,
            "CFLAGS ?= -O2 -g -Wall",
            f"OBJS = {objects} src/distro.o",
            "",
            f"all: {name}",
            "",
            f"{name}: $(OBJS)",
            "\t$(CC) $(CFLAGS) -o $@ $(OBJS)",
            "",
            "check: all",
            "\t./tests/run-tests.sh",
            "",
            f"install: {name}",
            f"\tinstall -D -m 0755 {name} $(DESTDIR)$(PREFIX)/bin/{name}",
            "",
        ]
    )


def _conf(name: str, rng: random.Random) -> str:
    feature = rng.choice(FEATURES)
    return "\n".join(
        [
            f"# {name} configuration",
            "log_level = info",
            f"{rng.choice(NOUNS)}_limit = {rng.randrange(16, 256)}",
            f"use_{feature} = yes",
            "",
            "# where to look for updates",
            f"update_url = https://updates.example.org/{name}",
            "",
            "# where users get help",
            "support_url = https://support.example.org/",
            "",
        ]
    )
