"""The bot's web application: dashboard pages, the JSON API under ``/api/v1/``, and the
operator's endpoints (``/healthz``, ``/readyz``, ``/metrics``).

``build_web_app(settings, store)`` builds it; the composition layer mounts the routes of
other modules next to these by passing their tables, e.g. the chat-ops webhooks::

    app = build_web_app(settings, store, telemetry=telemetry,
                        routes=[webhooks.routes(settings, store)])

Each item of ``routes`` is anything ``aiohttp.web.Application.add_routes`` takes (a
``RouteTableDef`` or a list of ``web.post(...)``); those handlers get the same request-id
logging, metrics and error handling as the dashboard's. Nothing starts here: ``web``
(and later ``serve``) runs the application.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from importlib import resources

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.domain.commands import CommandSpec
from bot.service.logs import log_context
from bot.service.telemetry import Telemetry
from bot.settings import Settings
from bot.store import Store, StoreError
from bot.web import api, openapi, ops, pages
from bot.web.keys import CONTEXT, WebContext
from bot.web.params import BadParameter, NotFound
from bot.web.render import environment

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: Pages hold no scripts; inline SVG and the stylesheet are all they load.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def build_web_app(
    settings: Settings,
    store: Store,
    *,
    routes: Iterable[Iterable[web.AbstractRouteDef]] = (),
    telemetry: Telemetry | None = None,
    clock: Callable[[], datetime] | None = None,
    commands: Iterable[CommandSpec] | None = None,
) -> web.Application:
    """The application over ``store``; ``clock`` dates "3 days ago" (default: real UTC time),
    ``commands`` is the chat-ops command table for the help page (the page is absent
    without one)."""
    app = web.Application(middlewares=[_observe, _errors], client_max_size=1024**2)
    app[CONTEXT] = WebContext(
        settings=settings,
        store=store,
        telemetry=telemetry or Telemetry(),
        clock=clock or (lambda: datetime.now(UTC)),
        templates=environment(),
        commands=tuple(commands) if commands is not None else None,
    )
    stylesheet = (resources.files("bot.web") / "static" / "style.css").read_bytes()

    async def style(_request: web.Request) -> web.Response:
        return web.Response(body=stylesheet, content_type="text/css",
                            headers={"Cache-Control": "public, max-age=3600"})

    app.router.add_get("/static/style.css", style)
    app.add_routes(ops.routes)
    app.add_routes(api.routes)
    app.add_routes(openapi.routes)
    app.add_routes(pages.routes)
    if commands is not None:
        app.router.add_get("/commands", pages.commands_page, name="commands")
        app.router.add_get("/api/v1/commands", api.commands)
    for table in routes:
        app.add_routes(table)
    return app


class AccessLogger(AbstractAccessLogger):
    """One structured record per request, carrying the request id the middleware chose
    (aiohttp logs access after the middleware's context has closed)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "request served",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "seconds": round(time, 4),
                "request_id": response.headers.get("X-Request-Id"),
                "remote": request.remote,
            },
        )


@web.middleware
async def _observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bind a request id to every log record of the request; time and count it."""
    given = request.headers.get("X-Request-Id", "")
    request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    started = time.perf_counter()
    status = 500
    with log_context(request_id=request_id):
        try:
            response = await handler(request)
            status = response.status
        except web.HTTPException as exc:
            status = exc.status
            exc.headers["X-Request-Id"] = request_id
            raise
        finally:
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else "unmatched"
            request.app[CONTEXT].telemetry.served(
                route, request.method, status, time.perf_counter() - started
            )
    response.headers["X-Request-Id"] = request_id
    # The server's own time, for browsers' developer tools and the dashboard benchmark.
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
    return response


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown things are 404, bad parameters 400, an unreachable database 503, anything
    else a logged 500; the API answers in JSON, pages in HTML. Every answer gets the
    security headers."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = _error(request, exc.status, exc.reason)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
    except NotFound as error:
        response = _error(request, 404, str(error))
    except BadParameter as error:
        response = _error(request, 400, str(error))
    except StoreError as error:
        log.warning("database unavailable", extra={"path": request.path, "error": str(error)})
        response = _error(request, 503, "the database is unavailable; try again shortly")
    except Exception:
        log.exception("request failed", extra={"path": request.path})
        response = _error(request, 500, "internal error; it was logged")
    response.headers.update(SECURITY_HEADERS)
    return response


def _error(request: web.Request, status: int, message: str) -> web.Response:
    if request.path.startswith("/api/") or request.path in ("/healthz", "/readyz", "/metrics"):
        return web.json_response({"error": message}, status=status, dumps=api.dumps)
    context = request.app[CONTEXT]
    body = context.templates.get_template("error.html").render(
        status=status, message=message, page="error"
    )
    return web.Response(text=body, status=status, content_type="text/html")
