"""Helpers of the sandbox webhook event tests: an app's sender pointed at the loopback
receiver, and comparing a payload's fields with a recorded sample's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.sandbox.webhooks import WEBHOOKS, Hook, WebhookSender
from tests.sandbox.conftest import Receiver

SECRET = "hook-secret"


def attach(app: web.Application, receiver: Receiver, forge: str) -> WebhookSender:
    """Give `app` a sender with one `forge` hook to `receiver`."""
    sender = WebhookSender([Hook(forge, receiver.url, SECRET)])
    app[WEBHOOKS] = sender
    return sender


def sample(corpus: Path, forge: str, name: str) -> Any:
    return json.loads((corpus / "forges" / forge / name).read_text(encoding="utf-8"))


def dig(value: Any, path: str) -> Any:
    """`value` at a dotted `path`; KeyError names the part that is missing."""
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"{path}: no {part!r}")
        value = value[part]
    return value


def kind(value: Any) -> str:
    """What JSON sort a value is; bool before int, since bool is an int in Python."""
    for name, sort in (("bool", bool), ("number", int), ("string", str), ("object", dict)):
        if isinstance(value, sort):
            return name
    return "list" if isinstance(value, list) else "null"


def mismatches(ours: Any, recorded: Any, paths: list[str]) -> list[str]:
    """The `paths` missing from `ours`, or of another JSON sort than in `recorded` (a null
    in either says nothing about the sort)."""
    wrong = []
    for path in paths:
        try:
            mine = dig(ours, path)
        except KeyError as missing:
            wrong.append(str(missing))
            continue
        theirs = dig(recorded, path)
        if None not in (mine, theirs) and kind(mine) != kind(theirs):
            wrong.append(f"{path}: {kind(mine)} where the sample has {kind(theirs)}")
    return wrong
