"""The typed form of an autopatch `config.yaml`: one frozen dataclass per action entry kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar


class ActionKind(StrEnum):
    """The action blocks autopatch-tool understands, spelled as in the YAML."""

    REPLACE = "replace"
    DELETE_LINE = "delete_line"
    MODIFY_RELEASE = "modify_release"
    CHANGELOG_ENTRY = "changelog_entry"
    ADD_FILES = "add_files"
    DELETE_FILES = "delete_files"
    RUN_SCRIPT = "run_script"
    ADD_LINE = "add_line"


class FileKind(StrEnum):
    """What an `add_files` entry adds: a `PatchN:` or a `SourceN:`."""

    PATCH = "patch"
    SOURCE = "source"


class Location(StrEnum):
    """Where `add_line` puts its content inside a spec section."""

    TOP = "top"
    BOTTOM = "bottom"


class ScriptCwd(StrEnum):
    """Where `run_script` runs: the dist-git tree or the config repository."""

    RPMS = "rpms"
    AUTOPATCH = "autopatch"


#: The `target` value that means "the package's spec file".
SPEC_TARGET = "spec"


@dataclass(frozen=True, slots=True)
class Replace:
    """Replace `find` (a literal, or a regex when `regex`) by `replace`, at most `count` times."""

    kind: ClassVar[ActionKind] = ActionKind.REPLACE
    yaml_line: int
    target: str
    find: str
    replace: str
    regex: bool = False
    count: int = -1


@dataclass(frozen=True, slots=True)
class DeleteLine:
    """Delete each exact line or block of `lines` from `target`."""

    kind: ClassVar[ActionKind] = ActionKind.DELETE_LINE
    yaml_line: int
    target: str
    lines: tuple[str, ...]
    #: The YAML line of each item of `lines`, in the same order.
    line_numbers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ModifyRelease:
    """Append `suffix` to every `Release:` line (or to the `%autorelease` template)."""

    kind: ClassVar[ActionKind] = ActionKind.MODIFY_RELEASE
    yaml_line: int
    suffix: str
    enabled: bool = True
    auto_increment: bool = False


@dataclass(frozen=True, slots=True)
class Changelog:
    """A `%changelog` entry by `name` <`email`>; its lines also serve as commit messages."""

    kind: ClassVar[ActionKind] = ActionKind.CHANGELOG_ENTRY
    yaml_line: int
    name: str
    email: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AddFile:
    """Add a patch or source file from the config repo's `files/` and declare it in the spec."""

    kind: ClassVar[ActionKind] = ActionKind.ADD_FILES
    yaml_line: int
    file_kind: FileKind
    name: str
    #: None means "Latest": one more than the last `PatchN:`/`SourceN:` of the spec.
    number: int | None = None
    modify_spec: bool = True
    #: None inherits the config-wide `parameters.insert_almalinux_line`.
    insert_almalinux_line: bool | None = None
    no_backup: bool = False


@dataclass(frozen=True, slots=True)
class DeleteFile:
    """Remove a file from the package, or its line from the lookaside metadata."""

    kind: ClassVar[ActionKind] = ActionKind.DELETE_FILES
    yaml_line: int
    file_name: str


@dataclass(frozen=True, slots=True)
class RunScript:
    """Run a shell script from the config repo's `scripts/` (effects unknown without running)."""

    kind: ClassVar[ActionKind] = ActionKind.RUN_SCRIPT
    yaml_line: int
    script: str
    cwd: ScriptCwd = ScriptCwd.RPMS


@dataclass(frozen=True, slots=True)
class AddLine:
    """Insert `content` at the top or bottom of a spec section (of a subpackage)."""

    kind: ClassVar[ActionKind] = ActionKind.ADD_LINE
    yaml_line: int
    target: str
    section: str
    location: Location
    content: str
    subpackage: str | None = None


Entry = (
    Replace | DeleteLine | ModifyRelease | Changelog | AddFile | DeleteFile | RunScript | AddLine
)


@dataclass(frozen=True, slots=True)
class Action:
    """One block of the `actions:` list: its kind and its entries, in file order."""

    kind: ActionKind
    yaml_line: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Parameters:
    """The optional `parameters:` block; defaults are autopatch-tool's."""

    insert_almalinux_line: bool = True
    custom_target_branch: str = ""
    pre_clean: bool = False
    ignore_version_macros: bool = False
    ignore_release_macros: bool = False
    tag_prefix: str = ""
    #: Enterprise Linux major version for `%{rhel}`; None when the config does not pin it.
    el_version: str | None = None


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong (or worth a warning) in a config: where, which field, and what to do."""

    path: str
    line: int | None
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        text = (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )
        return f"{text} ({self.hint})" if self.hint else text


class AutopatchError(ValueError):
    """A config that cannot be used; `problems` lists every error found, each with its place."""

    def __init__(self, problems: tuple[ConfigProblem, ...]) -> None:
        self.problems = problems
        count = len(problems)
        header = f"{count} problem{'s' if count != 1 else ''} in autopatch config"
        super().__init__("\n".join([header, *(f"  {p}" for p in problems)]))


@dataclass(frozen=True, slots=True)
class AutopatchConfig:
    """A parsed, validated config: its actions in execution order, plus non-fatal warnings."""

    path: str
    actions: tuple[Action, ...]
    parameters: Parameters = field(default_factory=Parameters)
    warnings: tuple[ConfigProblem, ...] = ()

    def entries(self, kind: ActionKind | None = None) -> tuple[Entry, ...]:
        """Every entry of every action (of `kind`, when given), in file order."""
        return tuple(
            entry
            for action in self.actions
            if kind is None or action.kind == kind
            for entry in action.entries
        )
