"""The JSON API under ``/api/v1/``: the dashboard's data, same filters, same pages.

Bodies are the view records of ``bot.store.view_records`` turned into JSON by
``to_json``; ``bot.web.openapi`` derives the schemas from the same types, so the
document cannot drift from what the handlers send.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from aiohttp import web

from bot.domain.commands import CommandSpec
from bot.service.telemetry import ForgeState
from bot.store.view_records import Health, OwnerRow, Page
from bot.store.views import change_detail, list_changes
from bot.store.views_ops import health
from bot.store.views_overview import overview
from bot.store.views_packages import list_owners, list_packages, package_detail
from bot.web.keys import CONTEXT
from bot.web.pages import read
from bot.web.params import NotFound, change_filter, package_order, page_request, text

routes = web.RouteTableDef()


@dataclass(frozen=True, slots=True)
class Owners:
    owners: tuple[OwnerRow, ...]


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The store's view of the bot's health, and what this process saw of the forges."""

    health: Health
    forges: tuple[ForgeState, ...]


@dataclass(frozen=True, slots=True)
class CommandHelp:
    name: str
    synopsis: str
    role: str
    help: str
    selects_change: bool


@dataclass(frozen=True, slots=True)
class Commands:
    commands: tuple[CommandHelp, ...]


@dataclass(frozen=True, slots=True)
class Error:
    error: str


@routes.get("/api/v1/overview")
async def get_overview(request: web.Request) -> web.Response:
    return respond(await read(request, "reading the overview from", overview))


@routes.get("/api/v1/changes")
async def get_changes(request: web.Request) -> web.Response:
    wanted = change_filter(request.query)
    page = page_request(request.query)
    return respond(await read(request, "listing changes from",
                              lambda s: list_changes(s, wanted, page)))


@routes.get("/api/v1/changes/{change_id}")
async def get_change(request: web.Request) -> web.Response:
    change_id = request.match_info["change_id"]
    detail = await read(request, f"reading change {change_id} from",
                        lambda s: change_detail(s, change_id))
    if detail is None:
        raise NotFound(f"no change with id {change_id!r}")
    return respond(detail)


@routes.get("/api/v1/packages")
async def get_packages(request: web.Request) -> web.Response:
    q = text(request.query, "q")
    order = package_order(request.query)
    page = page_request(request.query)
    return respond(await read(request, "listing packages from",
                              lambda s: list_packages(s, page, q=q, order=order)))


@routes.get("/api/v1/packages/{name}")
async def get_package(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    page = page_request(request.query, per_page=100)
    detail = await read(request, f"reading package {name} from",
                        lambda s: package_detail(s, name, page))
    if detail is None:
        raise NotFound(f"no package called {name!r}")
    return respond(detail)


@routes.get("/api/v1/owners")
async def get_owners(request: web.Request) -> web.Response:
    return respond(Owners(tuple(await read(request, "listing owners from", list_owners))))


@routes.get("/api/v1/health")
async def get_health(request: web.Request) -> web.Response:
    page = page_request(request.query)
    data = await read(request, "reading the bot's health from", lambda s: health(s, page))
    return respond(HealthReport(data, tuple(request.app[CONTEXT].telemetry.forge_states())))


async def commands(request: web.Request) -> web.Response:
    """Mounted by ``build_web_app`` only when it is given a command table."""
    table: tuple[CommandSpec, ...] = request.app[CONTEXT].commands or ()
    return respond(Commands(tuple(
        CommandHelp(spec.name, spec.synopsis, str(spec.role), spec.help, spec.selects_change)
        for spec in table
    )))


def respond(value: object, *, status: int = 200) -> web.Response:
    return web.json_response(to_json(value), status=status, dumps=dumps)


def dumps(value: Any) -> str:
    """JSON with ``<``, ``>`` and ``&`` as escapes: the same strings once parsed, but a
    body that no sniffing browser or careless embedder can take for markup."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def to_json(value: Any) -> Any:
    """A view record as JSON values: fields by name, enums by value, times in ISO 8601."""
    if isinstance(value, Page):
        return {"items": [to_json(item) for item in value.items], "total": value.total,
                "page": value.page, "per_page": value.per_page, "pages": value.pages}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k.value if isinstance(k, Enum) else k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value
