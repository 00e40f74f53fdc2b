"""The dashboard's pages: server-rendered HTML, no scripts, every filter a query parameter
so any view is a link to share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.orm import Session

from bot.domain.commands import PREFIX, help_rows
from bot.domain.model import Kind, Status, Target
from bot.store.view_records import NO_OWNER, WAITING
from bot.store.views import change_detail, list_changes
from bot.store.views_ops import health
from bot.store.views_overview import overview
from bot.store.views_packages import list_owners, list_packages, package_detail
from bot.web.chart import trend_chart
from bot.web.keys import CONTEXT
from bot.web.params import NotFound, change_filter, package_order, page_request, text

T = TypeVar("T")
routes = web.RouteTableDef()


@routes.get("/", name="overview")
async def overview_page(request: web.Request) -> web.Response:
    data = await read(request, "reading the overview from", overview)
    return render(request, "overview.html", "overview", data=data, chart=trend_chart(data.trend),
                  statuses=[s for s in Status if data.by_status.get(s)])


@routes.get("/changes", name="changes")
async def changes_page(request: web.Request) -> web.Response:
    wanted = change_filter(request.query)
    page = page_request(request.query)
    changes = await read(request, "listing changes from",
                         lambda s: list_changes(s, wanted, page))
    return render(request, "changes.html", "changes", wanted=wanted, changes=changes)


@routes.get("/changes/{change_id}", name="change")
async def change_page(request: web.Request) -> web.Response:
    change_id = request.match_info["change_id"]
    detail = await read(request, f"reading change {change_id} from",
                        lambda s: change_detail(s, change_id))
    if detail is None:
        raise NotFound(f"no change with id {change_id!r}")
    return render(request, "change.html", "changes", detail=detail)


@routes.get("/packages", name="packages")
async def packages_page(request: web.Request) -> web.Response:
    q = text(request.query, "q")
    order = package_order(request.query)
    page = page_request(request.query)
    packages = await read(request, "listing packages from",
                          lambda s: list_packages(s, page, q=q, order=order))
    return render(request, "packages.html", "packages", packages=packages, q=q or "",
                  order=str(order))


@routes.get("/packages/{name}", name="package")
async def package_page(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    page = page_request(request.query, per_page=100)
    detail = await read(request, f"reading package {name} from",
                        lambda s: package_detail(s, name, page))
    if detail is None:
        raise NotFound(f"no package called {name!r}")
    return render(request, "package.html", "packages", detail=detail)


@routes.get("/owners", name="owners")
async def owners_page(request: web.Request) -> web.Response:
    owners = await read(request, "listing owners from", list_owners)
    return render(request, "owners.html", "owners", owners=owners)


@routes.get("/health", name="health")
async def health_page(request: web.Request) -> web.Response:
    page = page_request(request.query)
    data = await read(request, "reading the bot's health from", lambda s: health(s, page))
    forges = request.app[CONTEXT].telemetry.forge_states()
    return render(request, "health.html", "health", health=data, forges=forges)


async def commands_page(request: web.Request) -> web.Response:
    """Mounted by ``build_web_app`` only when it is given a command table."""
    return render(request, "commands.html", "commands",
                  rows=help_rows(request.app[CONTEXT].commands or ()), prefix=PREFIX)


async def read(request: web.Request, doing: str, query: Callable[[Session], T]) -> T:
    """Run a store view off the event loop."""
    return await asyncio.to_thread(request.app[CONTEXT].store.read, doing, query)


def render(request: web.Request, template: str, page: str, **values: Any) -> web.Response:
    context = request.app[CONTEXT]
    body = context.templates.get_template(template).render(
        page=page,
        now=context.clock(),
        has_commands=context.commands is not None,
        statuses_all=list(Status),
        kinds_all=list(Kind),
        targets_all=list(Target),
        branches_all=[b.downstream for b in context.settings.branches],
        waiting=WAITING,
        no_owner=NO_OWNER,
        distribution=context.settings.distribution.name,
        params={k: v for k, v in request.query.items() if k != "page"},
        **values,
    )
    return web.Response(text=body, content_type="text/html")
