"""Parses an RPM spec into what the bot needs: tags, patch applications, release, changelog."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.spec_conditions import OPENERS, Condition, directive_of
from bot.domain.spec_macros import MacroTable
from bot.domain.spec_model import Application, ChangelogEntry, Release, Spec, Tag
from bot.domain.text import lines_of

_TAG = re.compile(
    r"^(?P<comment>#\s*)?(?P<tag>patch|source)(?P<num>\d*)\s*:\s*(?P<value>\S.*?)\s*$", re.I
)
_DEFINE = re.compile(r"^\s*%(?:global|define)\s+([A-Za-z_][A-Za-z0-9_]*)(?:\(\S*\))?\s+(.*?)\s*$")
_SIMPLE_TAG = re.compile(r"^(name|version|release|epoch)\s*:\s*(\S.*?)\s*$", re.I)
_SECTION = re.compile(
    r"^%(package|description|prep|build|install|check|files|changelog|pre|post|preun|postun|"
    r"pretrans|posttrans|triggerin|triggerun|triggerpostun|verifyscript|generate_buildrequires|conf)\b(.*)$"
)
_PATCH_OLD = re.compile(r"^\s*%patch(\d+)\b(.*)$")
_PATCH_NEW = re.compile(r"^\s*%patch\b(.*)$")
_AUTOSETUP = re.compile(r"^\s*%autosetup\b(.*)$")
_AUTOPATCH = re.compile(r"^\s*%autopatch\b(.*)$")
_APPLY_PATCH = re.compile(r"^\s*(ApplyPatch|ApplyOptionalPatch)\s+(\S+)")
_INCLUDE = re.compile(r"^\s*%include\s+(\S+)")
_CHANGELOG_HEAD = re.compile(r"^\*\s+(?P<date>\w{3}\s+\w{3}\s+\d{1,2}\s+\d{4})\s+(?P<who>.*?)\s*$")
_EMAIL = re.compile(r"<([^>]+)>")
_DIST = "%{?dist}"


class SpecError(ValueError):
    """A spec that cannot be read at all (not one that merely has oddities)."""


def parse_spec(text: str, *, path: str, includes: Mapping[str, str] | None = None) -> Spec:
    """Parse spec text. `includes` maps file names to the text of files `%include`d by the spec."""
    if "\x00" in text:
        raise SpecError(f"{path}: not a spec file (contains NUL bytes)")
    parser = _Parser(path, includes or {})
    parser.run(text, path)
    return parser.build(text)


@dataclass(slots=True)
class _Frame:
    """One open `%if` block: where it opened and the conditions of its current branch."""

    opened: int
    conditions: list[Condition]
    has_else: bool = False


class _Parser:
    def __init__(self, path: str, includes: Mapping[str, str]) -> None:
        self.path = path
        self.includes = includes
        self.macros = MacroTable()
        self.tags: list[Tag] = []
        self.applications: list[Application] = []
        self.sections: list[tuple[str, int]] = []
        self.warnings: list[str] = []
        self.releases: list[Release] = []
        self.changelog_line: int | None = None
        self.next_number = {"patch": 0, "source": 0}
        self.included: set[str] = set()

    def run(self, text: str, file: str) -> None:
        stack: list[_Frame] = []
        in_changelog = False
        in_macro_body = False
        for number, raw in enumerate(lines_of(text), start=1):
            line = raw.rstrip()
            # The body of a multi-line %define/%global is macro text, not spec lines: its
            # %if and tags only mean something where the macro is expanded.
            if in_macro_body or (_DEFINE.match(line) and line.endswith("\\")):
                in_macro_body = line.endswith("\\")
                continue
            in_main = file == self.path
            section = _SECTION.match(line)
            if section and in_main:
                self.sections.append((line.strip(), number))
                in_changelog = section.group(1) == "changelog"
                if in_changelog:
                    self.changelog_line = number
                continue
            if in_changelog:
                continue
            directive = directive_of(line)
            if directive:
                self._conditional(directive, stack, number, file)
                continue
            conditions = tuple(c for frame in stack for c in frame.conditions)
            self._line(line, number, file, conditions)
        for frame in stack:
            self.warnings.append(
                f"{file}:{frame.opened}: %if is never closed by %endif; "
                "conditions after it may be read wrongly"
            )

    def _conditional(
        self, directive: tuple[str, str], stack: list[_Frame], number: int, file: str
    ) -> None:
        name, argument = directive
        if name in OPENERS:
            stack.append(_Frame(number, [Condition(name, argument, number, negated=False)]))
        elif name == "%endif":
            if stack:
                stack.pop()
            else:
                self.warnings.append(f"{file}:{number}: %endif without a matching %if; ignored")
        elif not stack:
            self.warnings.append(f"{file}:{number}: {name} without a matching %if; ignored")
        elif stack[-1].has_else:
            self.warnings.append(f"{file}:{number}: {name} after %else in one %if block; ignored")
        else:
            # every earlier branch of the block was false for this one to be taken
            frame = stack[-1]
            previous = [
                c if c.negated else Condition(c.directive, c.expression, c.line, negated=True)
                for c in frame.conditions
            ]
            if name == "%else":
                frame.conditions, frame.has_else = previous, True
            else:
                frame.conditions = [*previous, Condition(name, argument, number, negated=False)]

    def _line(self, line: str, number: int, file: str, conditions: tuple[Condition, ...]) -> None:
        define = _DEFINE.match(line)
        if define and not conditions:
            self.macros.define(define.group(1), define.group(2))
            return
        simple = _SIMPLE_TAG.match(line)
        if simple:
            key = simple.group(1).lower()
            self.macros.define(key, simple.group(2), only_if_new=bool(conditions))
            if key == "release" and file == self.path:
                self.releases.append(_release(simple.group(2), number))
            return
        tag = _TAG.match(line)
        if tag:
            self._tag(tag, number, file, conditions)
            return
        include = _INCLUDE.match(line)
        if include:
            self._include(include.group(1), number)
            return
        application = _application(line, number, conditions)
        if application is not None:
            self.applications.append(application)

    def _tag(
        self, match: re.Match[str], number: int, file: str, conditions: tuple[Condition, ...]
    ) -> None:
        kind = match.group("tag").lower()
        commented = bool(match.group("comment"))
        given = match.group("num")
        tag_number = int(given) if given else self.next_number[kind]
        if not commented:
            self.next_number[kind] = tag_number + 1
        value = match.group("value")
        expanded = self.macros.expand(value)
        filename = expanded.rsplit("/", 1)[-1].split("#", 1)[0]
        self.tags.append(
            Tag(kind, tag_number, value, filename, number, file, commented, conditions)
        )
        if not commented:
            self.macros.define(f"{kind.upper()}{tag_number}", filename)

    def _include(self, argument: str, number: int) -> None:
        name = self.macros.expand(argument).rsplit("/", 1)[-1]
        if name in self.included:
            return
        text = self.includes.get(name)
        if text is None:
            self.warnings.append(
                f"{self.path}:{number}: %include {argument} ({name}) is not in the tree"
            )
            return
        self.included.add(name)
        self.run(text, name)

    def build(self, text: str) -> Spec:
        return Spec(
            path=self.path,
            lines=tuple(lines_of(text)),
            tags=tuple(self.tags),
            applications=tuple(self.applications),
            release=self.releases[0] if self.releases else None,
            releases=tuple(self.releases),
            changelog=_changelog(text, self.changelog_line),
            changelog_line=self.changelog_line,
            sections=tuple(self.sections),
            macros=self.macros,
            warnings=tuple(self.warnings),
        )


def commented_applications(spec: Spec) -> list[Application]:
    """`%patch` lines that a `#` turned off, read as if they were on."""
    found = []
    for number, line in enumerate(spec.lines, start=1):
        stripped = line.lstrip()
        if stripped.startswith("#"):
            application = _application(stripped.lstrip("#"), number, ())
            if application is not None:
                found.append(application)
    return found


def is_section_header(line: str) -> bool:
    """Whether a spec line starts a section (`%prep`, `%files devel`, ...)."""
    return _SECTION.match(line) is not None


def _release(value: str, number: int) -> Release:
    suffix = value.split(_DIST, 1)[1] if _DIST in value else None
    return Release(line=number, raw=value, suffix=suffix)


def _application(line: str, number: int, conditions: tuple[Condition, ...]) -> Application | None:
    text = line.strip()
    old = _PATCH_OLD.match(line)
    if old:
        return Application(
            "patch", number, text, numbers=(int(old.group(1)),), conditions=conditions
        )
    new = _PATCH_NEW.match(line)
    if new:
        numbers = _patch_numbers(new.group(1))
        return Application("patch", number, text, numbers=numbers or (0,), conditions=conditions)
    autosetup = _AUTOSETUP.match(line)
    if autosetup:
        applies = "-N" not in autosetup.group(1).split()
        return Application("autosetup", number, text, applies_all=applies, conditions=conditions)
    autopatch = _AUTOPATCH.match(line)
    if autopatch:
        return _autopatch(autopatch.group(1), number, text, conditions)
    apply = _APPLY_PATCH.match(line)
    if apply:
        return Application(
            "applypatch", number, text, names=(apply.group(2),), conditions=conditions
        )
    return None


def _patch_numbers(arguments: str) -> tuple[int, ...]:
    words = arguments.split()
    numbers: list[int] = []
    for index, word in enumerate(words):
        if word.startswith("-P") and len(word) > 2 and word[2:].isdigit():
            numbers.append(int(word[2:]))
        elif word == "-P" and index + 1 < len(words) and words[index + 1].isdigit():
            numbers.append(int(words[index + 1]))
        elif word.isdigit() and (index == 0 or not words[index - 1].startswith("-")):
            numbers.append(int(word))
    return tuple(numbers)


def _autopatch(
    arguments: str, number: int, text: str, conditions: tuple[Condition, ...]
) -> Application:
    words = arguments.split()
    low: int | None = None
    high: int | None = None
    explicit: list[int] = []
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "-m" and following.isdigit():
            low = int(following)
        elif word == "-M" and following.isdigit():
            high = int(following)
        elif word.isdigit() and (index == 0 or words[index - 1] not in ("-m", "-M", "-p")):
            explicit.append(int(word))
    if explicit:
        return Application(
            "autopatch", number, text, numbers=tuple(explicit), conditions=conditions
        )
    if low is not None or high is not None:
        return Application("autopatch", number, text, range=(low, high), conditions=conditions)
    return Application("autopatch", number, text, applies_all=True, conditions=conditions)


def _changelog(text: str, start: int | None) -> tuple[ChangelogEntry, ...]:
    if start is None:
        return ()
    entries: list[ChangelogEntry] = []
    current: tuple[int, re.Match[str]] | None = None
    items: list[str] = []
    lines = lines_of(text)
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        head = _CHANGELOG_HEAD.match(line)
        if head:
            if current:
                entries.append(_entry(current, items))
            current, items = (number, head), []
        elif current and line.strip():
            items.append(line.strip())
    if current:
        entries.append(_entry(current, items))
    return tuple(entries)


def _entry(current: tuple[int, re.Match[str]], items: list[str]) -> ChangelogEntry:
    number, head = current
    who = head.group("who")
    email_match = _EMAIL.search(who)
    email = email_match.group(1) if email_match else ""
    author = who.split("<", 1)[0].strip()
    version = who.rsplit(" - ", 1)[1].strip() if " - " in who else ""
    if not version and ">" in who:
        version = who.rsplit(">", 1)[1].strip(" -")
    return ChangelogEntry(number, head.group("date"), author, email, version, tuple(items))
