"""Edits a target's spec minimally to carry one more patch: a `Patch` tag with the next free
number (or none where the spec writes none), a line applying it where the spec applies its
patches (nothing under `%autosetup`/`%autopatch`), and, unless `%autorelease` and
`%autochangelog` keep them, a Release bump and a changelog entry in the spec's own style.

Only the target's own lines are edited: nothing of the downstream spec (its release suffix,
changelog or distribution guards) is copied, and `leaks` double-checks the added lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.domain.spec_model import Application, ChangelogEntry, Spec, Tag


class SpecEditError(ValueError):
    """The spec cannot be edited safely; the message says where and why."""


@dataclass(frozen=True, slots=True)
class SpecOptions:
    """What the new lines say; `reference` (`Resolves: RHEL-123`) goes into the changelog."""

    author: str
    email: str
    day: date
    summary: str
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class SpecEdit:
    text: str
    #: the patch's number (rpm's implicit one for an unnumbered tag)
    number: int
    #: the tag line added, None when the spec already declared the patch
    tag_line: str | None
    #: the line added to apply it, None when the spec applies it already (or automatically)
    apply_line: str | None
    #: the new Release value, None when `%autorelease` (or nothing) manages it
    release: str | None
    #: the changelog entry added, None under `%autochangelog`
    changelog: tuple[str, ...] | None


_TAG_LINE = re.compile(r"^(?P<tag>Patch(?P<num>\d*))(?P<colon>\s*:\s*)(?P<value>\S.*)$", re.I)
_SOURCE_LINE = re.compile(r"^Source\d*\s*:", re.I)
_PATCH_APPLY = re.compile(r"^(\s*)%patch(?P<rest>.*)$")
_SETUP = re.compile(r"^\s*%setup\b")
_AUTORELEASE = re.compile(r"%\{?\??autorelease")
_AUTOCHANGELOG = re.compile(r"^\s*%\{?\??autochangelog\}?\s*$")
_DIST = "%{?dist}"
_RELEASE_NUMBER = re.compile(r"^(?P<head>(?:0\.)?)(?P<n>\d+)(?P<tail>.*)$")
_MINOR = re.compile(r"^\.(?P<n>\d+)(?P<rest>%\{\?\w+\})?$")
_MACRO_ONLY = re.compile(r"^%\{?\??(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}?$")
_BLOCK_OPEN = re.compile(r"^\s*%if")
_BLOCK_CLOSE = re.compile(r"^\s*%endif\b")
_BACKUP = re.compile(r"(-b\s*)(\S+)")


def add_patch(spec: Spec, name: str, options: SpecOptions) -> SpecEdit:
    """`spec` with patch file `name` declared and applied, released and logged."""
    lines = list(spec.lines)
    #: (0-based index of the original line to insert before, the new lines)
    inserts: list[tuple[int, list[str]]] = []
    existing = next((t for t in spec.patches() if t.filename == name), None)
    tag_line: str | None = None
    if existing is not None:
        number = existing.number
    else:
        number, tag_line, at = _new_tag(spec, name)
        inserts.append((at, [tag_line]))
    apply_line: str | None = None
    if not _applied(spec, number, name):
        apply_line, at = _new_apply(spec, number, name)
        inserts.append((at, [apply_line]))
    release = _bump_release(spec, lines)
    changelog = None
    if not _autochangelog(spec):
        changelog, at = _changelog_entry(spec, release, options)
        inserts.append((at, [*changelog, ""] if at < len(lines) else list(changelog)))
    for at, new in sorted(inserts, key=lambda item: item[0], reverse=True):
        lines[at:at] = new
    text = "\n".join(lines) + "\n"
    return SpecEdit(text, number, tag_line, apply_line, release, changelog)


def leaks(edit: SpecEdit, *, release_suffix: str, guard_macro: str) -> list[str]:
    """Lines of the edit that carry the downstream's bookkeeping: its release suffix in the
    Release or the changelog's EVR, or its `%if` guard macro anywhere. Empty when none.

    A patch may well name the downstream (`Add AlmaLinux OS detection` is a fix for the
    project): only the downstream's own release and guards must never reach the target, and
    its changelog lines never do, as the entry is written anew.
    """
    guard = re.compile(rf"%\{{?[?!]*{re.escape(guard_macro)}\b", re.I) if guard_macro else None
    suffix = release_suffix.lower()
    evr = edit.changelog[0].rsplit(">", 1)[-1] if edit.changelog else None
    found = []
    for line in (edit.release, evr):
        if line is not None and suffix and suffix in line.lower():
            found.append(line)
    for line in (edit.tag_line, edit.apply_line, *(edit.changelog or ())):
        if line is not None and guard is not None and guard.search(line) and line not in found:
            found.append(line)
    return found


def _new_tag(spec: Spec, name: str) -> tuple[int, str, int]:
    """(number, line, 0-based index to insert before) of a new Patch tag."""
    tags = spec.patches(active=True) + spec.patches(active=False)
    # numbers a %patch line names without a tag are taken too: rpm would apply the new one
    used = [t.number for t in tags] + [n for a in spec.applications for n in a.numbers]
    number = max(used, default=-1) + 1
    own = [t for t in spec.patches() if t.file == spec.path]
    written = [_TAG_LINE.match(spec.lines[t.line - 1].strip()) for t in own]
    unnumbered = bool(written) and all(m is not None and not m.group("num") for m in written)
    anchor = own[-1] if own else None
    if anchor is None:
        sources = [t for t in spec.sources() if t.file == spec.path]
        anchor = sources[-1] if sources else None
    if anchor is None:
        raise SpecEditError(
            f"{spec.path}: no Source or Patch tag to put Patch{number} after"
        )
    tag = "Patch" if unnumbered else f"Patch{number}"
    return number, _aligned(tag, name, spec.lines[anchor.line - 1]), _after_block(spec, anchor)


def _after_block(spec: Spec, tag: Tag) -> int:
    """The index just after `tag`'s line, or after the `%endif` closing its outermost `%if`."""
    depth = 0
    for line in spec.lines[: tag.line - 1]:
        if _BLOCK_OPEN.match(line):
            depth += 1
        elif _BLOCK_CLOSE.match(line):
            depth = max(depth - 1, 0)
    if depth == 0:
        return tag.line
    for index in range(tag.line, len(spec.lines)):
        line = spec.lines[index]
        if _BLOCK_OPEN.match(line):
            depth += 1
        elif _BLOCK_CLOSE.match(line):
            depth -= 1
            if depth == 0:
                return index + 1
    raise SpecEditError(f"{spec.path}:{tag.line}: the %if around this tag is never closed")


def _aligned(tag: str, value: str, previous: str) -> str:
    """`tag: value` with the value at the same column as on `previous`, as specs align."""
    match = _TAG_LINE.match(previous) or re.match(
        r"^(?P<tag>Source\d*)(?P<colon>\s*:\s*)(?P<value>\S.*)$", previous, re.I
    )
    column = len(match.group("tag")) + len(match.group("colon")) if match else len(tag) + 2
    head = f"{tag}:"
    return f"{head}{' ' * max(1, column - len(head))}{value}"


def _applied(spec: Spec, number: int, name: str) -> bool:
    for application in spec.applications:
        if application.conditions:
            continue
        if application.applies_all or number in application.numbers or name in application.names:
            return True
        if application.range is not None:
            low, high = application.range
            if (low is None or number >= low) and (high is None or number <= high):
                return True
    return False


def _new_apply(spec: Spec, number: int, name: str) -> tuple[str, int]:
    """The line applying patch `number`, in the style of the spec's last one, and where."""
    explicit = [
        a for a in spec.applications if a.method in ("patch", "applypatch") and not a.conditions
    ]
    if explicit:
        last = explicit[-1]
        return _like(last, spec.lines[last.line - 1], number, name), last.line
    partial = [a for a in spec.applications if a.method == "autopatch" and not a.conditions]
    if partial:
        return f"%patch -P {number} -p1", partial[-1].line
    setups = [i for i, line in enumerate(spec.lines) if _SETUP.match(line)]
    if not setups:
        raise SpecEditError(
            f"{spec.path}: no %setup, %autosetup or %patch line: cannot tell where "
            f"the spec applies patches, so {name} would not be applied"
        )
    return f"%patch -P {number} -p1", setups[-1] + 1


def _like(last: Application, text: str, number: int, name: str) -> str:
    indent = text[: len(text) - len(text.lstrip())]
    if last.method == "applypatch":
        command = text.strip().split()[0]
        return f"{indent}{command} {name}"
    rest = _PATCH_APPLY.match(text)
    options = rest.group("rest") if rest else ""
    old = re.match(r"^(?P<num>\d+)", options)
    words = options[old.end():] if old else options
    # the number's own spelling: %patchN, %patch -P N, %patch -PN, %patch N
    if old:
        head = f"%patch{number}"
    elif re.search(r"-P\s+\d+", words):
        head, words = "%patch", re.sub(r"-P\s+\d+", f"-P {number}", words, count=1)
    elif re.search(r"-P\d+", words):
        head, words = "%patch", re.sub(r"-P\d+", f"-P{number}", words, count=1)
    elif re.match(r"^\s+\d+\b", words):
        head, words = "%patch", re.sub(r"^\s+\d+", f" {number}", words, count=1)
    else:
        head, words = "%patch", f" -P {number}{words}"
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name.rsplit(".", 1)[0]).strip("-")
    words = _BACKUP.sub(lambda m: f"{m.group(1)}.{stem}", words, count=1)
    return f"{indent}{head}{words.rstrip()}"


def _bump_release(spec: Spec, lines: list[str]) -> str | None:
    """Raise the Release by one in place; None when `%autorelease` counts it."""
    release = spec.release
    if release is None:
        raise SpecEditError(f"{spec.path}: no Release: line to raise")
    if _AUTORELEASE.search(release.raw):
        return None
    head, dist, tail = release.raw.partition(_DIST)
    minor = _MINOR.match(tail) if dist else None
    if minor is not None:
        # a z-stream release (`46%{?dist}.2`) counts after the dist tag
        value = f"{head}{dist}.{int(minor.group('n')) + 1}{minor.group('rest') or ''}"
    else:
        macro = _MACRO_ONLY.match(head)
        if macro is not None:
            return _bump_macro(spec, lines, macro.group("name"), dist + tail)
        value = _bumped(head, spec.path, release.line) + dist + tail
    line = lines[release.line - 1]
    lines[release.line - 1] = line.replace(release.raw, value, 1)
    return value


def _bump_macro(spec: Spec, lines: list[str], name: str, rest: str) -> str:
    definition = re.compile(
        rf"^(?P<head>\s*%(?:global|define)\s+{re.escape(name)}\s+)(?P<value>\S+)\s*$"
    )
    for index, line in enumerate(lines):
        match = definition.match(line)
        if match:
            bumped = _bumped(match.group("value"), spec.path, index + 1)
            lines[index] = f"{match.group('head')}{bumped}"
            return bumped + rest
    raise SpecEditError(f"{spec.path}: Release uses %{{{name}}}, which the spec never defines")


def _bumped(value: str, path: str, line: int) -> str:
    match = _RELEASE_NUMBER.match(value)
    if match is None:
        raise SpecEditError(
            f"{path}:{line}: cannot tell how to raise Release {value!r}; "
            "a person has to release this change"
        )
    return f"{match.group('head')}{int(match.group('n')) + 1}{match.group('tail')}"


def _autochangelog(spec: Spec) -> bool:
    start = spec.changelog_line
    if start is None:
        return False
    return any(_AUTOCHANGELOG.match(line) for line in spec.lines[start:])


def _changelog_entry(
    spec: Spec, release: str | None, options: SpecOptions
) -> tuple[tuple[str, ...], int]:
    """A changelog entry written the way the newest one is, and where it goes (the top)."""
    start = spec.changelog_line
    if start is None:
        raise SpecEditError(f"{spec.path}: no %changelog section to log the patch in")
    newest = spec.changelog[0] if spec.changelog else None
    raw_head = spec.lines[newest.line - 1] if newest else ""
    evr = _evr(spec, release)
    dash = " - " if (newest is None or " - " in raw_head.split(">", 1)[-1]) else " "
    head = f"* {options.day:%a %b %d %Y} {options.author} <{options.email}>"
    if evr and (newest is None or newest.version):
        head += f"{dash}{evr}"
    prefix = _item_prefix(spec, newest)
    entry = [head, f"{prefix}{options.summary}"]
    if options.reference:
        entry.append(f"{' ' * len(prefix)}{options.reference}")
    at = start
    while at < len(spec.lines) and not spec.lines[at].strip():
        at += 1
    return tuple(entry), at


def _evr(spec: Spec, release: str | None) -> str:
    version = spec.macros.expand("%{version}")
    if "%" in version:
        return ""
    value = release if release is not None else ""
    value = value.replace(_DIST, "").strip()
    expanded = spec.macros.expand(value) if value else ""
    if not expanded or "%" in expanded:
        return version if release is None else ""
    epoch = spec.macros.expand("%{epoch}")
    prefix = f"{epoch}:" if epoch.isdigit() else ""
    return f"{prefix}{version}-{expanded}"


def _item_prefix(spec: Spec, newest: ChangelogEntry | None) -> str:
    """How the newest entry starts its items: `- ` unless it uses another bullet."""
    if newest is None:
        return "- "
    for line in spec.lines[newest.line : newest.line + 3]:
        stripped = line.lstrip()
        if stripped[:1] in ("-", "+", "*") and stripped[1:2] == " ":
            return stripped[:2]
    return "- "


@dataclass(frozen=True, slots=True)
class Applying:
    """One patch as %prep applies it: its file, `-p` level, and whether an `%if` decides."""

    name: str
    strip: int
    guarded: bool


def patch_order(spec: Spec) -> list[Applying]:
    """The patches %prep applies, in the order it applies them (each once)."""
    tags = {t.number: t for t in spec.patches()}
    order: list[Applying] = []
    seen: set[str] = set()

    def add(tag: Tag | None, application: Application) -> None:
        if tag is None or tag.filename in seen:
            return
        seen.add(tag.filename)
        guarded = bool(application.conditions or tag.conditions)
        order.append(Applying(tag.filename, _strip_of(application.text), guarded))

    for application in spec.applications:
        if application.applies_all:
            for number in sorted(tags):
                add(tags[number], application)
        elif application.range is not None:
            low, high = application.range
            for number in sorted(tags):
                if (low is None or number >= low) and (high is None or number <= high):
                    add(tags[number], application)
        elif application.names:
            for name in application.names:
                add(next((t for t in tags.values() if t.filename == name), None), application)
        else:
            for number in application.numbers:
                add(tags.get(number), application)
    return order


def _strip_of(text: str) -> int:
    """The `-pN` of an application line; 1 when it gives none (what `%autosetup` and
    git-formatted patches expect)."""
    match = re.search(r"(?:^|\s)-p\s*(\d+)", text)
    return int(match.group(1)) if match else 1
