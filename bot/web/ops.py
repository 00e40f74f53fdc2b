"""The operator's endpoints: ``/healthz`` (the process answers), ``/readyz`` (the database
answers and its schema is this version's) and ``/metrics`` (Prometheus text format)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from alembic.migration import MigrationContext
from sqlalchemy.orm import Session

from bot.service.metrics import CONTENT_TYPE
from bot.store import StoreError, head_revision
from bot.store.views_ops import ops_counts
from bot.web.keys import CONTEXT

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "alive"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    expected = head_revision()
    try:
        current = await asyncio.to_thread(
            context.store.read, "checking the schema version of", _revision
        )
    except StoreError as error:
        return web.json_response(
            {"status": "unready", "database": "unreachable", "error": str(error)}, status=503
        )
    if current != expected:
        return web.json_response(
            {"status": "unready", "database": "reachable", "schema": current,
             "expected_schema": expected,
             "error": f"database schema at {current or 'nothing'}, this version needs "
                      f"{expected}: run `upstream-bot migrate`"},
            status=503,
        )
    return web.json_response({"status": "ready", "database": "reachable", "schema": current})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    telemetry = context.telemetry
    try:
        counts = await asyncio.to_thread(context.store.read, "reading metrics from", ops_counts)
    except StoreError as error:
        log.warning("metrics: database unreachable", extra={"error": str(error)})
        telemetry.database_up.set(0)
    else:
        telemetry.database_up.set(1)
        telemetry.refresh(counts, now=context.clock())
    return web.Response(body=telemetry.render().encode(), headers={"Content-Type": CONTENT_TYPE})


def _revision(session: Session) -> str | None:
    return MigrationContext.configure(session.connection()).get_current_revision()
