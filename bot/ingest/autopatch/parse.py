"""Parses an AlmaLinux autopatch `config.yaml` into typed actions, or says exactly what is wrong."""

from __future__ import annotations

import difflib
import re

from bot.ingest.autopatch.changes import DeclaredChange, DeclaredType, declared_changes
from bot.ingest.autopatch.entries import ENTRY_FIELDS, read_entry
from bot.ingest.autopatch.fields import Fields, Report
from bot.ingest.autopatch.located_yaml import (
    YamlMap,
    YamlScalar,
    YamlSeq,
    YamlValue,
    load_located,
    type_name,
)
from bot.ingest.autopatch.model import (
    SPEC_TARGET,
    Action,
    ActionKind,
    AddFile,
    AddLine,
    AutopatchConfig,
    AutopatchError,
    Changelog,
    ConfigProblem,
    DeleteFile,
    DeleteLine,
    Entry,
    FileKind,
    Location,
    ModifyRelease,
    Parameters,
    Replace,
    RunScript,
    ScriptCwd,
)

__all__ = [
    "SPEC_TARGET",
    "Action",
    "ActionKind",
    "AddFile",
    "AddLine",
    "AutopatchConfig",
    "AutopatchError",
    "Changelog",
    "ConfigProblem",
    "DeclaredChange",
    "DeclaredType",
    "DeleteFile",
    "DeleteLine",
    "Entry",
    "FileKind",
    "Location",
    "ModifyRelease",
    "Parameters",
    "Replace",
    "RunScript",
    "ScriptCwd",
    "declared_changes",
    "parse_config",
]

_TOP_KEYS = ("parameters", "actions")
_KNOWN_ACTIONS = tuple(kind.value for kind in ActionKind)
_ALL_ENTRY_KEYS = frozenset(key for keys in ENTRY_FIELDS.values() for key in keys)


def parse_config(text: str | bytes, *, path: str = "config.yaml") -> AutopatchConfig:
    """The typed config; raises `AutopatchError` listing every problem (file, line, field, fix).

    Unknown optional keys and other doubtful but usable input become `warnings`.
    """
    report = Report(path)
    source = _decode(text, report)
    if source is None:
        raise AutopatchError(tuple(report.errors))
    loaded = load_located(source, path=path)
    report.errors.extend(loaded.errors)
    report.warnings.extend(loaded.warnings)
    root = loaded.value
    if root is None and not report.errors:
        report.error(1, "", "the config is empty", "start it with an `actions:` list")
    elif root is not None and not isinstance(root, YamlMap):
        report.error(
            root.line,
            "",
            f"the config must be a mapping, got {type_name(root)}",
            "start the file with `actions:` at column 0",
        )
    if not isinstance(root, YamlMap):
        raise AutopatchError(tuple(report.errors))
    for key, _value in root.entries:
        if key.value not in _TOP_KEYS:
            report.warn(
                key.line,
                str(key.value),
                "unknown top-level key, ignored",
                "only `parameters:` and `actions:` are read",
            )
    parameters = _parameters(root, report)
    actions = _actions(root, report)
    if report.errors:
        raise AutopatchError(_by_line(report.errors))
    return AutopatchConfig(path, actions, parameters, _by_line(report.warnings))


def _by_line(problems: list[ConfigProblem]) -> tuple[ConfigProblem, ...]:
    return tuple(sorted(problems, key=lambda problem: problem.line or 0))


def _decode(text: str | bytes, report: Report) -> str | None:
    if isinstance(text, bytes):
        try:
            return text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = text.count(b"\n", 0, error.start) + 1
            report.error(line, "", f"not UTF-8 text (byte {error.start})", "save the file as UTF-8")
            return None
    if not isinstance(text, str):
        report.error(None, "", f"expected text, got {type(text).__name__}", "pass the file's text")
        return None
    return text


def _parameters(root: YamlMap, report: Report) -> Parameters:
    node = root.get("parameters")
    if node is None or (isinstance(node, YamlScalar) and node.value is None):
        return Parameters()
    if not isinstance(node, YamlMap):
        report.error(
            node.line,
            "parameters",
            f"must be a mapping, got {type_name(node)}",
            "write `parameters:` followed by indented `name: value` lines",
        )
        return Parameters()
    fields = Fields(
        report,
        node,
        "parameters",
        (
            "insert_almalinux_line",
            "custom_target_branch",
            "pre_clean",
            "ignore_version_macros",
            "ignore_release_macros",
            "tag_prefix",
            "el_version",
            "rhel_version",
        ),
    )
    return Parameters(
        insert_almalinux_line=fields.flag("insert_almalinux_line", True),
        custom_target_branch=fields.text("custom_target_branch", required=False) or "",
        pre_clean=fields.flag("pre_clean", False),
        ignore_version_macros=fields.flag("ignore_version_macros", False),
        ignore_release_macros=fields.flag("ignore_release_macros", False),
        tag_prefix=fields.text("tag_prefix", required=False, allow_empty=True) or "",
        el_version=_el_version(node, report),
    )


def _el_version(node: YamlMap, report: Report) -> str | None:
    # The docs call it el_version, the tool's code rhel_version; both mean the value of %{rhel}.
    for key in ("el_version", "rhel_version"):
        value = node.get(key)
        if value is None:
            continue
        if isinstance(value, YamlScalar) and re.fullmatch(r"\d+", value.raw.strip()):
            return value.raw.strip()
        report.error(
            value.line,
            f"parameters.{key}",
            f"must be a major version, got {type_name(value)}",
            'write a number such as "9"',
        )
    return None


def _actions(root: YamlMap, report: Report) -> tuple[Action, ...]:
    node = root.get("actions")
    if node is None or (isinstance(node, YamlScalar) and node.value is None):
        report.error(
            node.line if node else root.line,
            "actions",
            "missing or empty",
            "add `actions:` with a list of `- <action>:` blocks",
        )
        return ()
    if not isinstance(node, YamlSeq):
        report.error(
            node.line,
            "actions",
            f"must be a list, got {type_name(node)}",
            "start each action with `- `, e.g. `  - replace:`",
        )
        return ()
    if not node.items:
        report.warn(node.line, "actions", "the list is empty: the config changes nothing")
    actions: list[Action] = []
    for index, item in enumerate(node.items):
        where = f"actions[{index}]"
        if not isinstance(item, YamlMap) or not item.entries:
            report.error(
                item.line,
                where,
                f"must be a `<action>:` block, got {type_name(item)}",
                f"use one of: {', '.join(_KNOWN_ACTIONS)}",
            )
            continue
        for key, value in item.entries:
            action = _action(str(key.value), key, value, f"{where}.{key.value}", report)
            if action is not None:
                actions.append(action)
    return tuple(actions)


def _action(
    name: str, key: YamlScalar, value: YamlValue | None, where: str, report: Report
) -> Action | None:
    if name not in _KNOWN_ACTIONS:
        if name in _ALL_ENTRY_KEYS:
            hint = "an entry field: indent it under its action, starting the entry with `- `"
        else:
            close = difflib.get_close_matches(name, _KNOWN_ACTIONS, n=1)
            hint = (
                f"did you mean `{close[0]}`?"
                if close
                else f"use one of: {', '.join(_KNOWN_ACTIONS)}"
            )
        report.error(key.line, where, f"unknown action {name!r}", hint)
        return None
    kind = ActionKind(name)
    if isinstance(value, YamlMap):
        report.error(
            value.line,
            where,
            "entries must be a list",
            "put `- ` before the first key of each entry",
        )
        return None
    if not isinstance(value, YamlSeq):
        shown = type_name(value) if value is not None else "nothing"
        report.error(
            key.line,
            where,
            f"must be a list of entries, got {shown}",
            "add entries below it, each starting with `- `",
        )
        return None
    if not value.items:
        report.warn(value.line, where, "no entries: this action does nothing")
    entries: list[Entry] = []
    for index, item in enumerate(value.items):
        entry_where = f"{where}[{index}]"
        if not isinstance(item, YamlMap):
            report.error(
                item.line,
                entry_where,
                f"an entry must be a mapping, got {type_name(item)}",
                f"write keys such as {', '.join(ENTRY_FIELDS[kind])}",
            )
            continue
        entry = read_entry(kind, Fields(report, item, entry_where, ENTRY_FIELDS[kind]))
        if entry is not None:
            entries.append(entry)
    return Action(kind, key.line, tuple(entries))
