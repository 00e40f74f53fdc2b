"""Reading typed fields out of a decoded JSON payload, each failure naming the field's path.

A webhook body is hostile input: any value may be missing, null, or of another JSON sort.
`Obj` wraps one JSON object and answers only with the types asked for, or raises
`MalformedPayload` saying which field was wrong and how.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.ingest.events.model import MalformedPayload

#: "2015-05-17 17:06:40 UTC": GitLab's hooks spell times like this
_GITLAB_TIME = re.compile(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) UTC")
_EPOCH = re.compile(r"\d{1,12}")


class Obj:
    """One JSON object at `path` ("" for the document)."""

    __slots__ = ("_data", "path")

    def __init__(self, data: Mapping[str, Any], path: str = "") -> None:
        self._data = data
        self.path = path

    def _where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self._data.get(key) is not None

    def obj(self, key: str) -> Obj:
        value = self._data.get(key)
        if not isinstance(value, Mapping):
            raise MalformedPayload(f"{self._where(key)}: expected an object, got {_sort(value)}")
        return Obj(value, self._where(key))

    def opt_obj(self, key: str) -> Obj | None:
        return None if self._data.get(key) is None else self.obj(key)

    def objs(self, key: str) -> list[Obj]:
        value = self._data.get(key)
        if not isinstance(value, list):
            raise MalformedPayload(f"{self._where(key)}: expected a list, got {_sort(value)}")
        found = []
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                where = f"{self._where(key)}[{index}]"
                raise MalformedPayload(f"{where}: expected an object, got {_sort(item)}")
            found.append(Obj(item, f"{self._where(key)}[{index}]"))
        return found

    def str(self, key: str) -> str:
        value = self._data.get(key)
        if not isinstance(value, str) or not value:
            raise MalformedPayload(f"{self._where(key)}: expected text, got {_sort(value)}")
        return value

    def opt_str(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise MalformedPayload(f"{self._where(key)}: expected text, got {_sort(value)}")
        return value

    def text(self, key: str) -> str:
        """Text that may be empty or null (a comment's body): "" then."""
        return self.opt_str(key) or ""

    def int(self, key: str) -> int:
        value = self._data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise MalformedPayload(f"{self._where(key)}: expected a number, got {_sort(value)}")
        if isinstance(value, str):
            if not value.isascii() or not value.isdigit() or len(value) > 18:
                raise MalformedPayload(f"{self._where(key)}: expected a number, got {value!r:.40}")
            return int(value)
        return value

    def ident(self, key: str) -> str:
        """An id as text, whether the forge sends it as a number or a string."""
        value = self._data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
            raise MalformedPayload(f"{self._where(key)}: expected an id, got {_sort(value)}")
        return str(value)

    def bool(self, key: str) -> bool:
        value = self._data.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise MalformedPayload(
                f"{self._where(key)}: expected true or false, got {_sort(value)}"
            )
        return value

    def time(self, key: str) -> datetime | None:
        """A timestamp in any spelling the forges use, in UTC; None when absent or unreadable
        (a time never decides whether an event is handled, only its version)."""
        return parse_time(self._data.get(key))


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (GitHub, Gitea, GitLab's API), GitLab hooks' "… UTC", Pagure's epoch seconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and _EPOCH.fullmatch(value)):
        try:
            return datetime.fromtimestamp(int(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or len(value) > 64:
        return None
    if match := _GITLAB_TIME.fullmatch(value):
        value = f"{match[1]}T{match[2]}+00:00"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def decode(body: bytes) -> Obj:
    """The body as a JSON object; MalformedPayload for anything else."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MalformedPayload(f"the body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise MalformedPayload(f"the body is {_sort(data)}, not a JSON object")
    return Obj(data)


def _sort(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "empty text" if not value else "text"
    if isinstance(value, list):
        return "a list"
    return "an object"
