"""Walks the lines rpm reads for a spec (the spec and its `%include`s) with their `%if` guards."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.domain.distgit_model import DistGit
from bot.domain.spec_conditions import OPENERS, Condition, branch_truth, directive_of
from bot.domain.text import lines_of

_INCLUDE = re.compile(r"^\s*%include\s+(\S+)")
_DEFINE = re.compile(r"^\s*%(?:global|define)\s")
#: a file read straight from the source directory, with no Source or Patch tag
_BY_PATH = re.compile(r"(?:%\{_sourcedir\}|\$RPM_SOURCE_DIR|\$\{RPM_SOURCE_DIR\})/([^\s\"'`;|)]+)")
#: an include chain deeper than this is a loop or an attack, not a spec
_MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class SpecLine:
    """One line rpm reads while parsing the spec, outside `%changelog`."""

    #: path in the tree (the spec itself, `SOURCES/grub.patches`, ...)
    path: str
    number: int
    text: str
    conditions: tuple[Condition, ...]
    #: inside a multi-line `%define`/`%global` body: text of a macro, not a spec line yet
    in_macro: bool

    @property
    def comment(self) -> bool:
        return self.text.lstrip().startswith("#")

    def active(self, macros: Mapping[str, str]) -> bool:
        """False only when a guard is known to be false under the distribution's macros."""
        return branch_truth(self.conditions, macros) is not False


def included_names(git: DistGit) -> frozenset[str]:
    """File names the spec (or a file it includes) reads with `%include`."""
    return frozenset(
        name for line in spec_lines(git) if (name := include_target(git, line.text)) is not None
    )


def include_target(git: DistGit, text: str) -> str | None:
    match = _INCLUDE.match(text)
    if not match:
        return None
    return git.spec.macros.expand(match.group(1)).rsplit("/", 1)[-1]


def spec_lines(git: DistGit) -> Iterator[SpecLine]:
    """Every line of the spec and of the files it includes, in rpm's reading order."""
    spec = git.spec
    changelog = _changelog_lines(git)
    yield from _walk(git, spec.lines, git.spec_path, changelog, seen=set(), depth=0)


def _changelog_lines(git: DistGit) -> frozenset[int]:
    """Lines of the spec that belong to `%changelog` (its header included)."""
    sections = git.spec.sections
    inside: set[int] = set()
    for index, (header, start) in enumerate(sections):
        if header.startswith("%changelog"):
            end = sections[index + 1][1] if index + 1 < len(sections) else len(git.spec.lines) + 1
            inside.update(range(start, end))
    return frozenset(inside)


def _walk(
    git: DistGit,
    lines: tuple[str, ...],
    path: str,
    skip: frozenset[int],
    *,
    seen: set[str],
    depth: int,
) -> Iterator[SpecLine]:
    stack: list[list[Condition]] = []
    in_macro = False
    for number, raw in enumerate(lines, start=1):
        if number in skip:
            continue
        text = raw.rstrip()
        if in_macro or (_DEFINE.match(text) and text.endswith("\\")):
            # a macro body's %if only means something where the macro is expanded
            in_macro = text.endswith("\\")
            yield SpecLine(path, number, text, _flat(stack), in_macro=True)
            continue
        directive = directive_of(text)
        if directive:
            _switch(stack, directive, number)
            continue
        line = SpecLine(path, number, text, _flat(stack), in_macro=False)
        yield line
        name = include_target(git, text)
        if name is None or name in seen or depth >= _MAX_DEPTH:
            continue
        data = git.files.get(name)
        if data is None:
            continue
        seen.add(name)
        included = tuple(lines_of(data.decode("utf-8", "replace")))
        inner = _walk(
            git, included, git.paths.get(name, name), frozenset(), seen=seen, depth=depth + 1
        )
        for item in inner:
            yield SpecLine(
                item.path,
                item.number,
                item.text,
                (*line.conditions, *item.conditions),
                in_macro=item.in_macro,
            )


def _flat(stack: list[list[Condition]]) -> tuple[Condition, ...]:
    return tuple(condition for frame in stack for condition in frame)


def _switch(stack: list[list[Condition]], directive: tuple[str, str], number: int) -> None:
    """Open, switch or close a conditional block as rpm does; strays are ignored."""
    name, argument = directive
    if name in OPENERS:
        stack.append([Condition(name, argument, number, negated=False)])
    elif name == "%endif":
        if stack:
            stack.pop()
    elif stack:
        previous = [
            Condition(c.directive, c.expression, c.line, negated=True)
            for c in stack[-1]
            if not c.negated
        ]
        if name == "%else":
            stack[-1] = previous
        else:
            stack[-1] = [*previous, Condition(name, argument, number, negated=False)]


def tree_path(git: DistGit, file: str) -> str:
    """The tree path of a file the spec parser names (the spec, or a file it includes)."""
    if file == git.spec.path:
        return git.spec_path
    return git.paths.get(file, file)


def names_read_by_path(git: DistGit, text: str) -> list[str]:
    """File names a line reads as `%{_sourcedir}/name` or `$RPM_SOURCE_DIR/name`."""
    return [
        git.spec.macros.expand(match.group(1)).rsplit("/", 1)[-1]
        for match in _BY_PATH.finditer(text)
    ]
