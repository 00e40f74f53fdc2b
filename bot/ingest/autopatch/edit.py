"""Decides where `replace` and `delete_line` match in a file and how the replacement is laid out.

The rules are autopatch-tool's, learned from its documentation and test corpus: a spec stops
at `%changelog`, comment lines of a spec are passed over unless the search text is a comment,
a block of lines matches ignoring each line's leading indentation and takes the indentation of
its first line, and a one-line literal found inside a longer line indents the added lines like
that line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def split_lines(text: str) -> list[str]:
    """A file's lines, as the tool reads them (universal newlines, no terminators)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def join_lines(lines: list[str]) -> str:
    """A file's text from its lines; every line ends with a newline, as the tool writes it."""
    return "".join(f"{line}\n" for line in lines)


def text_lines(text: str) -> list[str]:
    """The lines of a config value: a value without a newline is one line, even if empty."""
    return text.splitlines() if "\n" in text else [text]


@dataclass(frozen=True, slots=True)
class Edit:
    """The new lines of a file and how many matches were rewritten (0 means nothing matched)."""

    lines: list[str]
    matches: int


def rewrite(
    lines: list[str],
    find: list[str],
    replacement: list[str] | None,
    *,
    count: int = -1,
    regex: bool = False,
    spec: bool = False,
) -> Edit:
    """Replace (or, with `replacement` None, delete) the `find` lines in `lines`.

    `count` caps literal replacements (-1: all). A regex is applied once per matching line
    (every match in the line when `count` is -1); the tool does not cap regex lines by count.
    """
    work = list(lines)
    if not regex and find == [""]:
        # Only a hand-built config has an empty `find`; it would match between every character.
        return Edit(work, 0)
    matches = 0
    index = 0
    pattern = re.compile(find[0]) if regex and len(find) == 1 else None
    while index < len(work):
        line = work[index]
        if spec and line.strip("\n \t") == "%changelog":
            break
        if spec and line.startswith("#") and not find[0].startswith("#"):
            index += 1
            continue
        if pattern is not None:
            if pattern.search(line):
                text = "\n".join(replacement) if replacement else ""
                work[index] = pattern.sub(text, line, count=1 if count != -1 else 0)
                matches += 1
        elif len(find) == 1:
            done, deleted = _literal(work, index, find[0], replacement, count, matches)
            matches += done
            if deleted:
                continue
        elif count == -1 or matches < count:
            done = _block(work, index, find, replacement)
            if done:
                matches += 1
                if replacement is not None:
                    # Skip the inserted lines: a replacement never matches again.
                    index += len(replacement) - 1
        index += 1
    return Edit(_flatten(work), matches)


def _literal(
    work: list[str],
    index: int,
    find: str,
    replacement: list[str] | None,
    count: int,
    done_before: int,
) -> tuple[int, bool]:
    """Rewrite occurrences of one literal line; returns (rewrites, whether the line was deleted)."""
    occurrences = work[index].count(find)
    done = 0
    for _ in range(occurrences):
        if count != -1 and done_before + done >= count:
            break
        if replacement is None:
            # Deleting needs the whole line to be the text; a partial hit deletes nothing.
            if work[index].strip() == find:
                del work[index]
                return done + 1, True
            continue
        current = work[index]
        if current == find:
            added = replacement
        else:
            indent = _indent(current)
            added = [
                replacement[0],
                *(indent + extra if extra.strip() else extra for extra in replacement[1:]),
            ]
        work[index] = current.replace(find, "\n".join(added), 1)
        done += 1
    return done, False


def _block(work: list[str], index: int, find: list[str], replacement: list[str] | None) -> bool:
    """Rewrite the block of `find` lines starting at `index`, if it is there."""
    end = index + len(find)
    if end > len(work):
        return False
    if [line.lstrip() for line in work[index:end]] != [line.lstrip() for line in find]:
        return False
    if replacement is None:
        del work[index:end]
    else:
        indent = _indent(work[index])
        work[index:end] = [indent + line for line in replacement]
    return True


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _flatten(work: list[str]) -> list[str]:
    # A one-line match replaced by several lines is one element until the pass ends.
    return [piece for element in work for piece in element.split("\n")]
