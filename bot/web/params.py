"""Query parameters of the pages and the API, read into the store's filter and page
requests; a bad value is a 400 that says which parameter and what it accepts."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urlencode

from bot.domain.model import Kind, Status, Target
from bot.store.view_records import MAX_PER_PAGE, ChangeFilter, PageRequest
from bot.store.views_packages import PackageOrder

E = TypeVar("E", bound=StrEnum)
#: Deep enough for any real list; keeps OFFSET well inside a 64-bit integer.
MAX_PAGE = 1_000_000
MAX_TEXT = 200
FILTER_FIELDS = ("package", "owner", "status", "kind", "target", "branch", "q")


class BadParameter(ValueError):
    """A query parameter the request cannot be answered with."""


class NotFound(LookupError):
    """The package or change a URL names does not exist; the message says which."""


def change_filter(query: Mapping[str, str]) -> ChangeFilter:
    return ChangeFilter(
        package=text(query, "package"),
        owner=text(query, "owner"),
        status=choice(query, "status", Status),
        kind=choice(query, "kind", Kind),
        target=choice(query, "target", Target),
        branch=text(query, "branch"),
        q=text(query, "q"),
    )


def page_request(query: Mapping[str, str], *, per_page: int = 50) -> PageRequest:
    return PageRequest(
        page=number(query, "page", default=1, low=1, high=MAX_PAGE),
        per_page=number(query, "per_page", default=per_page, low=1, high=MAX_PER_PAGE),
    )


def package_order(query: Mapping[str, str]) -> PackageOrder:
    return choice(query, "order", PackageOrder) or PackageOrder.NAME


def text(query: Mapping[str, str], name: str) -> str | None:
    """A free-text parameter; empty means absent."""
    value = query.get(name, "").strip()
    if not value:
        return None
    if len(value) > MAX_TEXT:
        raise BadParameter(f"{name}: at most {MAX_TEXT} characters")
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise BadParameter(f"{name}: control characters are not allowed")
    return value


def choice(query: Mapping[str, str], name: str, enum: type[E]) -> E | None:
    value = query.get(name, "").strip()
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise BadParameter(f"{name}: {value!r} is not one of: {allowed}") from None


def number(query: Mapping[str, str], name: str, *, default: int, low: int, high: int) -> int:
    value = query.get(name, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit():
        raise BadParameter(f"{name}: expected a whole number from {low} to {high}")
    parsed = int(value)
    if not low <= parsed <= high:
        raise BadParameter(f"{name}: expected a whole number from {low} to {high}")
    return parsed


def filter_query(wanted: ChangeFilter, **more: object) -> str:
    """The query string of ``wanted`` (and ``more``), for links that keep the filters."""
    pairs = [(name, str(getattr(wanted, name))) for name in FILTER_FIELDS
             if getattr(wanted, name)]
    pairs += [(name, str(value)) for name, value in more.items() if value not in (None, "")]
    return urlencode(pairs)
