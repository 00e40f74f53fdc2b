"""The OpenAPI 3.0 document of ``/api/v1/``, with schemas derived from the very record
types the handlers serialize (``bot.web.api.to_json``), so the two cannot disagree."""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from aiohttp import web

from bot import __version__
from bot.domain.model import Kind, Status, Target
from bot.store.view_records import (
    MAX_PER_PAGE,
    ChangeDetail,
    ChangeRow,
    Overview,
    PackageDetail,
    PackageRow,
    Page,
)
from bot.store.views_packages import PackageOrder
from bot.web.api import Commands, Error, HealthReport, Owners
from bot.web.keys import CONTEXT
from bot.web.params import MAX_PAGE, MAX_TEXT

routes = web.RouteTableDef()
JSON = "application/json"


@routes.get("/api/v1/openapi.json")
async def get_openapi(request: web.Request) -> web.Response:
    return web.json_response(document(commands=request.app[CONTEXT].commands is not None))


@cache
def document(*, commands: bool) -> dict[str, Any]:
    """The whole document; ``commands`` adds ``/commands`` (mounted only with a table)."""
    schemas: dict[str, Any] = {}
    ref = _Schemas(schemas)
    paging = [
        _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
               "1-based page number"),
        _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
               "rows per page (50 by default, 100 on a package)"),
    ]
    filters = [
        _query("package", _text(), "exact package name"),
        _query("owner", _text(), "owner's user name; '-' for changes nobody owns"),
        _query("status", _enum(Status), "having a target in this status"),
        _query("kind", _enum(Kind), "why the change exists"),
        _query("target", _enum(Target), "having a status in this target"),
        _query("branch", _text(), "downstream branch, e.g. a9"),
        _query("q", _text(), "case-insensitive part of the change's name or package"),
    ]
    paths: dict[str, Any] = {
        "/api/v1/overview": _get("overview", "Counts, trend, oldest pending, recent activity",
                                 ref(Overview)),
        "/api/v1/changes": _get("listChanges", "Current changes, filtered and paginated",
                                ref(Page[ChangeRow]), [*filters, *paging]),
        "/api/v1/changes/{change_id}": _get(
            "getChange", "One change: statuses, history, actions, commands", ref(ChangeDetail),
            [_path("change_id", "the change's id")], not_found=True),
        "/api/v1/packages": _get(
            "listPackages", "Packages with their counts", ref(Page[PackageRow]),
            [_query("q", _text(), "part of the package name"),
             _query("order", _enum(PackageOrder), "name (default) or most pending first"),
             *paging]),
        "/api/v1/packages/{name}": _get(
            "getPackage", "One package: branches, a page of changes, actions, commands",
            ref(PackageDetail), [_path("name", "the package name"), *paging], not_found=True),
        "/api/v1/owners": _get("listOwners", "Owners with their counts", ref(Owners)),
        "/api/v1/health": _get("health", "Scans, stale packages, inbox, failed actions, forges",
                               ref(HealthReport), paging),
    }
    if commands:
        paths["/api/v1/commands"] = _get("listCommands", "The chat-ops commands", ref(Commands))
    ref(Error)
    return {
        "openapi": "3.0.3",
        "info": {"title": "upstream-bot", "version": __version__,
                 "description": "Where every downstream change stands upstream."},
        "paths": paths,
        "components": {"schemas": schemas},
    }


class _Schemas:
    """Builds component schemas from type hints, once per type."""

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas

    def __call__(self, tp: Any) -> dict[str, Any]:
        return self.of(tp)

    def of(self, tp: Any) -> dict[str, Any]:
        origin, args = get_origin(tp), get_args(tp)
        if origin in (Union, types.UnionType):
            present = [a for a in args if a is not type(None)]
            inner = self.of(present[0]) if len(present) == 1 else {
                "oneOf": [self.of(a) for a in present]}
            if "$ref" in inner:
                return {"allOf": [inner], "nullable": True}
            if "enum" in inner:
                inner = {**inner, "enum": [*inner["enum"], None]}
            return {**inner, "nullable": True}
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return {"type": "array", "items": self.of(args[0])}
            kinds = [self.of(a) for a in dict.fromkeys(args)]
            items = kinds[0] if len(kinds) == 1 else {"anyOf": kinds}
            return {"type": "array", "items": items, "minItems": len(args),
                    "maxItems": len(args)}
        if origin in (dict, Mapping) or tp in (dict, Mapping):
            value = args[1] if args else Any
            return {"type": "object", "additionalProperties": self.of(value) or True}
        if origin is Page:
            return self._page(args[0])
        if isinstance(tp, type) and issubclass(tp, Enum):
            return _enum(tp)
        if is_dataclass(tp) and isinstance(tp, type):
            return self._dataclass(tp)
        return _SCALARS.get(tp, {}).copy() if tp is not Any else {}

    def _dataclass(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.schemas:
            self.schemas[name] = {}  # a placeholder first, for self-reference
            hints = get_type_hints(cls)
            names = [f.name for f in fields(cls)]
            self.schemas[name] = {
                "type": "object",
                "properties": {n: self.of(hints[n]) for n in names},
                "required": names,
            }
        return {"$ref": f"#/components/schemas/{name}"}

    def _page(self, item: type) -> dict[str, Any]:
        name = f"{item.__name__}Page"
        if name not in self.schemas:
            self.schemas[name] = {
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": self.of(item)},
                    "total": {"type": "integer", "minimum": 0},
                    "page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "minimum": 1},
                    "pages": {"type": "integer", "minimum": 1},
                },
                "required": ["items", "total", "page", "per_page", "pages"],
            }
        return {"$ref": f"#/components/schemas/{name}"}


_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    datetime: {"type": "string", "format": "date-time"},
}


def _enum(enum: type[Enum]) -> dict[str, Any]:
    return {"type": "string", "enum": [member.value for member in enum]}


def _text() -> dict[str, Any]:
    return {"type": "string", "maxLength": MAX_TEXT}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"},
            "description": description}


def _get(
    operation: str, summary: str, schema: dict[str, Any],
    parameters: list[dict[str, Any]] | None = None, *, not_found: bool = False,
) -> dict[str, Any]:
    error = {"$ref": "#/components/schemas/Error"}
    responses: dict[str, Any] = {
        "200": {"description": summary, "content": {JSON: {"schema": schema}}},
        "400": {"description": "a query parameter is not valid",
                "content": {JSON: {"schema": error}}},
        "503": {"description": "the database is unavailable",
                "content": {JSON: {"schema": error}}},
    }
    if not_found:
        responses["404"] = {"description": "no such thing", "content": {JSON: {"schema": error}}}
    return {"get": {"operationId": operation, "summary": summary,
                    "parameters": parameters or [], "responses": responses}}
