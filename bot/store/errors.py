"""What a store failure looks like, and how a database URL is shown without its password."""

from __future__ import annotations

import re

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

#: Shown in place of a password; the same mask SQLAlchemy uses.
MASK = "***"

# For strings SQLAlchemy cannot parse: hide whatever sits between "user:" and "@".
_USERINFO_PASSWORD = re.compile(r"(?P<head>//[^/@:]*:)[^@/]*@")


class StoreError(Exception):
    """The database could not be reached, migrated or written, or a store input was invalid.

    The message names the database URL with its password masked and says what to do.
    """


def mask_url(url: object) -> str:
    """Render a database URL (string or ``sqlalchemy.URL``) with its password as ``***``."""
    try:
        parsed = make_url(url)  # type: ignore[arg-type]
    except (ArgumentError, TypeError, ValueError):
        return _USERINFO_PASSWORD.sub(rf"\g<head>{MASK}@", str(url))
    return parsed.render_as_string(hide_password=True)


def scrub(text: str, url: object) -> str:
    """Remove the URL's password from ``text`` (a driver's error message may echo it)."""
    try:
        password = make_url(url).password  # type: ignore[arg-type]
    except (ArgumentError, TypeError, ValueError):
        match = re.search(r"//[^/@:]*:([^@/]*)@", str(url))
        password = match.group(1) if match else None
    if password:
        text = text.replace(str(password), MASK)
    return text


def database_error(exc: BaseException, url: object, *, doing: str) -> StoreError:
    """Turn a driver or SQLAlchemy error into a ``StoreError`` that names the masked URL.

    Only the driver's own first line is kept: SQLAlchemy's text appends the statement and
    its parameters, which may carry payloads that do not belong in a log line.
    """
    orig = getattr(exc, "orig", None) or exc
    first_line = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return StoreError(f"{doing} {mask_url(url)} failed: {scrub(first_line, url)}")
