"""Decides what a valid entry of each autopatch action looks like and builds its dataclass."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.ingest.autopatch.fields import Fields
from bot.ingest.autopatch.located_yaml import YamlScalar, type_name
from bot.ingest.autopatch.model import (
    SPEC_TARGET,
    ActionKind,
    AddFile,
    AddLine,
    Changelog,
    DeleteFile,
    DeleteLine,
    Entry,
    FileKind,
    Location,
    ModifyRelease,
    Replace,
    RunScript,
    ScriptCwd,
)

#: The keys each entry kind accepts, as autopatch-tool's docs list them.
ENTRY_FIELDS: dict[ActionKind, tuple[str, ...]] = {
    ActionKind.REPLACE: ("target", "find", "rfind", "replace", "count"),
    ActionKind.DELETE_LINE: ("target", "lines"),
    ActionKind.MODIFY_RELEASE: ("suffix", "enabled", "auto_increment"),
    ActionKind.CHANGELOG_ENTRY: ("name", "email", "line"),
    ActionKind.ADD_FILES: (
        "type",
        "name",
        "number",
        "modify_spec",
        "insert_almalinux_line",
        "no_backup",
    ),
    ActionKind.DELETE_FILES: ("file_name",),
    ActionKind.RUN_SCRIPT: ("script", "cwd"),
    ActionKind.ADD_LINE: ("target", "section", "location", "content", "subpackage"),
}

LATEST = "Latest"
_DIGITS = re.compile(r"[0-9]+")


def read_entry(kind: ActionKind, fields: Fields) -> Entry | None:
    """The entry of `kind`, or None after reporting what is wrong with it."""
    return _READERS[kind](fields)


def _replace(fields: Fields) -> Replace | None:
    target = fields.text("target")
    has_find, has_rfind = fields.has("find"), fields.has("rfind")
    if has_find and has_rfind:
        fields.report.error(
            fields.node.line,
            f"{fields.where}.find",
            "has both find and rfind",
            "keep `find` for literal text or `rfind` for a regular expression",
        )
        return None
    if not has_find and not has_rfind:
        fields.report.error(
            fields.node.line,
            f"{fields.where}.find",
            "missing",
            "add `find:` (literal text) or `rfind:` (a regular expression)",
        )
    key = "rfind" if has_rfind else "find"
    find = fields.text(key) if has_find or has_rfind else None
    if find is not None and has_rfind and not _valid_regex(fields, find):
        find = None
    replace = _replacement(fields)
    count = _count(fields)
    if target is None or find is None or replace is None or count is None:
        return None
    return Replace(fields.node.line, target, find, replace, regex=has_rfind, count=count)


def _valid_regex(fields: Fields, pattern: str) -> bool:
    if "\n" in pattern.strip("\n"):
        fields.report.warn(
            fields.line_of("rfind"),
            f"{fields.where}.rfind",
            "has several lines: autopatch-tool compares them literally, not as a regex",
            "use `find:` for blocks, `rfind:` for one line",
        )
        return True
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError, ValueError) as error:
        fields.report.error(
            fields.line_of("rfind"),
            f"{fields.where}.rfind",
            f"is not a valid regular expression: {error}",
            "escape special characters such as ( ) [ ] . * + ? with a backslash",
        )
        return False
    return True


def _replacement(fields: Fields) -> str | None:
    value = fields.node.get("replace")
    if value is not None and isinstance(value, YamlScalar) and value.value is None:
        fields.report.error(
            value.line,
            f"{fields.where}.replace",
            "is empty (null)",
            'write `replace: ""` to delete the found text',
        )
        return None
    return fields.text("replace", allow_empty=True)


def _count(fields: Fields) -> int | None:
    value = fields.node.get("count")
    if value is None:
        return -1
    number = value.value if isinstance(value, YamlScalar) else None
    if isinstance(number, int) and not isinstance(number, bool) and (number == -1 or number >= 1):
        return number
    fields.report.error(
        value.line,
        f"{fields.where}.count",
        f"must be -1 (every occurrence) or a positive integer, got {type_name(value)}",
        "write e.g. `count: 1`",
    )
    return None


def _delete_line(fields: Fields) -> DeleteLine | None:
    target = fields.text("target")
    lines = fields.text_list("lines")
    if target is None or lines is None:
        return None
    return DeleteLine(
        fields.node.line, target, tuple(t for t, _ in lines), tuple(n for _, n in lines)
    )


def _modify_release(fields: Fields) -> ModifyRelease | None:
    suffix = fields.text("suffix")
    enabled = fields.flag("enabled", True)
    auto_increment = fields.flag("auto_increment", False)
    if suffix is None:
        return None
    if auto_increment and not suffix[-1:].isdigit():
        fields.report.error(
            fields.line_of("suffix"),
            f"{fields.where}.suffix",
            "must end with a number when auto_increment is true",
            'write e.g. `suffix: ".alma.1"`',
        )
        return None
    return ModifyRelease(fields.node.line, suffix, enabled, auto_increment)


def _changelog(fields: Fields) -> Changelog | None:
    name = fields.text("name")
    email = fields.text("email")
    lines = fields.text_list("line")
    if name is None or email is None or lines is None:
        return None
    return Changelog(fields.node.line, name, email, tuple(text for text, _ in lines))


def _add_files(fields: Fields) -> AddFile | None:
    kind = fields.choice("type", tuple(k.value for k in FileKind))
    name = fields.text("name")
    number = _number(fields)
    modify_spec = fields.flag("modify_spec", True)
    marker = (
        fields.flag("insert_almalinux_line", True) if fields.has("insert_almalinux_line") else None
    )
    no_backup = fields.flag("no_backup", False)
    if kind is None or name is None or number is False:
        return None
    return AddFile(fields.node.line, FileKind(kind), name, number, modify_spec, marker, no_backup)


def _number(fields: Fields) -> int | bool | None:
    """The patch/source number; None for "Latest", False after reporting a bad value."""
    value = fields.node.get("number")
    if value is None:
        return None
    where = f"{fields.where}.number"
    if isinstance(value, YamlScalar):
        raw, written = value.value, value.raw.strip()
        if raw == LATEST:
            return None
        if isinstance(raw, str) and _DIGITS.fullmatch(written) and int(written) >= 1:
            return int(written)
        if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1:
            if _DIGITS.fullmatch(written) and written.startswith("0") and int(written) != raw:
                fields.report.warn(
                    value.line,
                    where,
                    f"YAML reads {written} as octal, i.e. {raw}; autopatch-tool uses {raw}",
                    f'write {int(written)} or quote it as "{written}" if you meant that',
                )
            return raw
        if str(raw).lower() == LATEST.lower():
            hint = 'write "Latest" with a capital L'
        else:
            hint = 'write a positive integer or "Latest"'
    else:
        hint = 'write a positive integer or "Latest"'
    fields.report.error(
        value.line, where, f'must be a positive integer or "Latest", got {type_name(value)}', hint
    )
    return False


def _delete_files(fields: Fields) -> DeleteFile | None:
    name = fields.text("file_name")
    return DeleteFile(fields.node.line, name) if name is not None else None


def _run_script(fields: Fields) -> RunScript | None:
    script = fields.text("script")
    cwd = fields.choice("cwd", tuple(c.value for c in ScriptCwd), default=ScriptCwd.RPMS.value)
    if script is None or cwd is None:
        return None
    return RunScript(fields.node.line, script, ScriptCwd(cwd))


def _add_line(fields: Fields) -> AddLine | None:
    target = fields.choice("target", (SPEC_TARGET,))
    section = fields.text("section")
    location = fields.choice("location", tuple(loc.value for loc in Location))
    content = fields.text("content")
    subpackage = fields.text("subpackage", required=False)
    if target is None or section is None or location is None or content is None:
        return None
    section = section.removeprefix("%")
    return AddLine(fields.node.line, target, section, Location(location), content, subpackage)


_READERS: dict[ActionKind, Callable[[Fields], Entry | None]] = {
    ActionKind.REPLACE: _replace,
    ActionKind.DELETE_LINE: _delete_line,
    ActionKind.MODIFY_RELEASE: _modify_release,
    ActionKind.CHANGELOG_ENTRY: _changelog,
    ActionKind.ADD_FILES: _add_files,
    ActionKind.DELETE_FILES: _delete_files,
    ActionKind.RUN_SCRIPT: _run_script,
    ActionKind.ADD_LINE: _add_line,
}
