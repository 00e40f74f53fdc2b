"""Loads YAML into plain values that remember their line, so config problems can point at it."""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from yaml.constructor import SafeConstructor

from bot.ingest.autopatch.model import ConfigProblem

#: More nodes than this means alias bombs, not a config; real configs have a few hundred.
MAX_NODES = 50_000
#: Real configs nest about six levels; far deeper nesting is garbage and would exhaust the stack.
MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class YamlScalar:
    """A scalar as YAML typed it (str, int, bool, None, float…), and its source text."""

    line: int
    value: object
    raw: str
    #: The quoting style: None for plain, `'`/`"` for quoted, `|`/`>` for block scalars.
    style: str | None = None


@dataclass(frozen=True, slots=True)
class YamlSeq:
    """A sequence and the line it starts on."""

    line: int
    items: tuple[YamlValue, ...]


@dataclass(frozen=True, slots=True)
class YamlMap:
    """A mapping with text keys, in file order (a duplicate key keeps its last value)."""

    line: int
    entries: tuple[tuple[YamlScalar, YamlValue], ...]

    def get(self, key: str) -> YamlValue | None:
        """The value of `key`, or None when absent."""
        found = None
        for name, value in self.entries:
            if name.value == key:
                found = value
        return found

    def keys(self) -> tuple[str, ...]:
        return tuple(str(name.value) for name, _ in self.entries)


YamlValue = YamlScalar | YamlSeq | YamlMap


def type_name(value: YamlValue) -> str:
    """How to call a YAML value in an error message."""
    if isinstance(value, YamlMap):
        return "a mapping"
    if isinstance(value, YamlSeq):
        return "a list"
    if value.value is None:
        return "nothing (null)"
    return f"{type(value.value).__name__} {value.raw!r}"


@dataclass(frozen=True, slots=True)
class Loaded:
    """A loaded document (None when empty or unreadable), its errors and its warnings."""

    value: YamlValue | None
    errors: tuple[ConfigProblem, ...] = ()
    warnings: tuple[ConfigProblem, ...] = ()


def load_located(text: str, *, path: str) -> Loaded:
    """The document as located values; syntax errors come back as problems, never raised."""
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        return Loaded(None, (_syntax_problem(error, path),))
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        problem = ConfigProblem(
            path,
            line,
            "",
            f"character {error.character!r} is not allowed in YAML",
            "remove control characters from the file",
        )
        return Loaded(None, (problem,))
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        problem = ConfigProblem(path, None, "", f"not valid YAML: {error}", "fix the syntax")
        return Loaded(None, (problem,))
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        return Loaded(None)
    builder = _Builder(path)
    try:
        value = builder.build(node, ())
    except _TooBig as error:
        return Loaded(None, (ConfigProblem(path, error.line, "", str(error), error.hint),))
    return Loaded(value, tuple(builder.errors), tuple(builder.warnings))


def _syntax_problem(error: yaml.MarkedYAMLError, path: str) -> ConfigProblem:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    what = " ".join(part for part in (error.context, error.problem) if part)
    return ConfigProblem(
        path,
        line,
        "",
        f"YAML syntax error: {what or 'unreadable'}",
        "check indentation and quoting on this line and the one before",
    )


class _TooBig(Exception):
    """Raised inside the builder to stop walking an exploding or bottomless document."""

    def __init__(self, message: str, line: int | None, hint: str) -> None:
        super().__init__(message)
        self.line = line
        self.hint = hint


class _Builder:
    """Turns composed YAML nodes into located values, collecting errors and warnings."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[ConfigProblem] = []
        self.warnings: list[ConfigProblem] = []
        self._constructor = SafeConstructor()
        self._count = 0

    def build(self, node: yaml.Node, ancestors: tuple[int, ...]) -> YamlValue:
        self._count += 1
        line = node.start_mark.line + 1
        if self._count > MAX_NODES:
            raise _TooBig(
                f"document expands to more than {MAX_NODES} values",
                None,
                "remove YAML aliases that multiply the content",
            )
        if len(ancestors) > MAX_DEPTH:
            raise _TooBig(f"nested more than {MAX_DEPTH} levels deep", line, "flatten the document")
        if id(node) in ancestors:
            self.errors.append(
                ConfigProblem(self.path, line, "", "an alias refers to itself", "remove the alias")
            )
            return YamlScalar(line, None, "")
        inner = (*ancestors, id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, line, inner)
        if isinstance(node, yaml.SequenceNode):
            return YamlSeq(line, tuple(self.build(item, inner) for item in node.value))
        return self._scalar(node, line)

    def _mapping(self, node: yaml.MappingNode, line: int, inner: tuple[int, ...]) -> YamlMap:
        entries: list[tuple[YamlScalar, YamlValue]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = self.build(key_node, inner)
            if not isinstance(key, YamlScalar) or not isinstance(key.value, str):
                self.errors.append(
                    ConfigProblem(
                        self.path,
                        key.line,
                        "",
                        f"a key must be a name, got {type_name(key)}",
                        "use plain names such as `target:` as keys",
                    )
                )
                continue
            if key.value in seen:
                self.warnings.append(
                    ConfigProblem(
                        self.path,
                        key.line,
                        key.value,
                        "duplicate key; the last value wins",
                        "keep one of them",
                    )
                )
            seen.add(key.value)
            entries.append((key, self.build(value_node, inner)))
        return YamlMap(line, tuple(entries))

    def _scalar(self, node: yaml.Node, line: int) -> YamlScalar:
        raw = str(node.value)
        style = getattr(node, "style", None)
        try:
            value = self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            # An impossible date such as 2024-13-45, or an unknown tag: keep the text.
            value = raw
        if not isinstance(value, str | int | float | bool) and value is not None:
            # Dates, binary and sets are no config value; the text is what the author wrote.
            value = raw
        return YamlScalar(line, value, raw, style)
