"""Reads one config mapping field by field, turning every wrong value into a located problem."""

from __future__ import annotations

from collections.abc import Iterable

from bot.ingest.autopatch.located_yaml import YamlMap, YamlScalar, YamlSeq, type_name
from bot.ingest.autopatch.model import ConfigProblem


class Report:
    """Errors and warnings of one config file, collected so that all of them are shown at once."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[ConfigProblem] = []
        self.warnings: list[ConfigProblem] = []

    def error(self, line: int | None, field: str, message: str, hint: str = "") -> None:
        self.errors.append(ConfigProblem(self.path, line, field, message, hint))

    def warn(self, line: int | None, field: str, message: str, hint: str = "") -> None:
        self.warnings.append(ConfigProblem(self.path, line, field, message, hint))


class Fields:
    """The keys of one entry: typed getters that report a problem and return None when wrong."""

    def __init__(self, report: Report, node: YamlMap, where: str, allowed: Iterable[str]) -> None:
        self.report = report
        self.node = node
        self.where = where
        known = tuple(allowed)
        for key, _value in node.entries:
            if key.value not in known:
                report.warn(
                    key.line,
                    self._at(str(key.value)),
                    "unknown key, ignored",
                    f"autopatch-tool rejects unknown keys; known here: {', '.join(known)}",
                )

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}"

    def has(self, key: str) -> bool:
        return self.node.get(key) is not None

    def scalar(self, key: str) -> YamlScalar | None:
        value = self.node.get(key)
        return value if isinstance(value, YamlScalar) else None

    def line_of(self, key: str) -> int:
        value = self.node.get(key)
        return value.line if value is not None else self.node.line

    def text(self, key: str, *, required: bool = True, allow_empty: bool = False) -> str | None:
        """A text field; a number or a list where text belongs is an error, not a conversion."""
        value = self.node.get(key)
        if value is None or (isinstance(value, YamlScalar) and value.value is None):
            if required:
                self.report.error(
                    value.line if value is not None else self.node.line,
                    self._at(key),
                    "missing" if value is None else "is empty",
                    f"add `{key}:` with a text value",
                )
            return None
        if not isinstance(value, YamlScalar) or not isinstance(value.value, str):
            self.report.error(
                value.line,
                self._at(key),
                f"must be text, got {type_name(value)}",
                "quote the value" if isinstance(value, YamlScalar) else "write a single text value",
            )
            return None
        if not allow_empty and not value.value.strip():
            self.report.error(value.line, self._at(key), "is empty", "give it a value")
            return None
        return value.value

    def flag(self, key: str, default: bool) -> bool:
        """A true/false field; absent means `default`."""
        value = self.node.get(key)
        if value is None:
            return default
        if isinstance(value, YamlScalar) and isinstance(value.value, bool):
            return value.value
        self.report.error(
            value.line,
            self._at(key),
            f"must be true or false, got {type_name(value)}",
            "write true or false without quotes",
        )
        return default

    def choice(
        self, key: str, allowed: tuple[str, ...], *, default: str | None = None
    ) -> str | None:
        """A text field limited to `allowed`; absent means `default` (required when None)."""
        if default is not None and not self.has(key):
            return default
        text = self.text(key)
        if text is None:
            return None
        if text not in allowed:
            self.report.error(
                self.line_of(key),
                self._at(key),
                f"must be one of {', '.join(allowed)}, got {text!r}",
                f"write one of: {', '.join(allowed)}",
            )
            return None
        return text

    def text_list(self, key: str) -> tuple[tuple[str, int], ...] | None:
        """A non-empty list of non-empty texts, each with its line."""
        value = self.node.get(key)
        if value is None:
            self.report.error(self.node.line, self._at(key), "missing", f"add `{key}:` with a list")
            return None
        if isinstance(value, YamlScalar) and isinstance(value.value, str):
            self.report.error(
                value.line,
                self._at(key),
                "must be a list, got a single text",
                f'write it as a list item: `{key}:` then `- "..."` on the next line',
            )
            return None
        if not isinstance(value, YamlSeq) or not value.items:
            self.report.error(
                value.line,
                self._at(key),
                f"must be a non-empty list, got {type_name(value)}",
                "give at least one `- item`",
            )
            return None
        items: list[tuple[str, int]] = []
        for index, item in enumerate(value.items):
            where = f"{self._at(key)}[{index}]"
            if not isinstance(item, YamlScalar) or not isinstance(item.value, str):
                self.report.error(
                    item.line, where, f"must be text, got {type_name(item)}", "quote it"
                )
            elif not item.value.strip():
                self.report.error(item.line, where, "is empty", "remove the item or fill it in")
            else:
                items.append((item.value, item.line))
        return tuple(items) if len(items) == len(value.items) else None
