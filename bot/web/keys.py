"""Typed keys of what the web application holds: settings, store, telemetry, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from jinja2 import Environment

from bot.domain.commands import CommandSpec
from bot.service.telemetry import Telemetry
from bot.settings import Settings
from bot.store import Store


@dataclass(frozen=True, slots=True)
class WebContext:
    """Everything a handler needs, built once by ``build_web_app``."""

    settings: Settings
    store: Store
    telemetry: Telemetry
    clock: Callable[[], datetime]
    templates: Environment
    #: the chat-ops command table rendered on the help page, when there is one
    commands: tuple[CommandSpec, ...] | None


CONTEXT = web.AppKey("upstream_bot_web", WebContext)
