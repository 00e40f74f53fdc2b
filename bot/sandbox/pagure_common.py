"""What the sandbox Pagure's handlers share: its errors, token check, paging arguments, form
reading, and running World calls (which run git) off the event loop."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from bot.sandbox import gitstore
from bot.sandbox.pagure_json import FORGE, error
from bot.sandbox.world import User, World, WorldError

T = TypeVar("T")

WORLD = web.AppKey("pagure_world", World)
PAGE_CAP = web.AppKey("pagure_page_cap", int)

#: Pagure's default page size (pagure/api/__init__.py get_per_page)
DEFAULT_PER_PAGE = 20
_TRUE = ("1", "true", "y", "yes")
_COMMITTERS = ("write", "maintain", "admin")
_HEX = re.compile(r"[0-9a-f]{4,40}")


class ApiError(Exception):
    """An answer in Pagure's error shape: `{"error": ..., "error_code": ...}`."""

    def __init__(
        self, status: int, code: str, *, message: str | None = None, errors: object = None
    ) -> None:
        super().__init__(code)
        self.status = status
        self.body = error(code, message=message, errors=errors)


@web.middleware
async def api_errors(
    request: web.Request, handler: Callable[[web.Request], Any]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as failed:
        return web.json_response(failed.body, status=failed.status)


def world_of(request: web.Request) -> World:
    return request.app[WORLD]


def base_of(request: web.Request) -> str:
    return str(request.url.origin())


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def token_user(request: web.Request, *, required: bool) -> User | None:
    """The token's user. Like Pagure, a token that is sent must be valid even where logging
    in is optional; a missing one is refused only where it is required."""
    header = request.headers.get("Authorization", "")
    token = header.split("token", 1)[1].strip() if "token" in header else ""
    if not token:
        if required:
            raise ApiError(401, "EINVALIDTOK")
        return None
    found = world_of(request).user_by_token(FORGE, token)
    if found is None:
        raise ApiError(401, "EINVALIDTOK")
    return found


def logged_in(request: web.Request) -> User:
    found = token_user(request, required=True)
    assert found is not None  # token_user raised otherwise
    return found


def can_commit(world: World, path: str, user: str) -> bool:
    return world.role(FORGE, path, user) in _COMMITTERS


def paging(request: web.Request) -> tuple[int, int]:
    try:
        page = int(request.query.get("page", "1"))
        per_page = int(request.query.get("per_page", str(DEFAULT_PER_PAGE)))
    except ValueError:
        raise ApiError(400, "EINVALIDREQ") from None
    if page < 1:
        raise ApiError(400, "EINVALIDREQ")
    cap = request.app[PAGE_CAP]
    if not 1 <= per_page <= cap:
        message = f"The per_page value must be between 1 and {cap}"
        raise ApiError(400, "EINVALIDPERPAGEVALUE", message=message)
    return page, per_page


async def form(request: web.Request) -> dict[str, str]:
    """The request's fields: Pagure takes a form or a JSON object."""
    if request.content_type == "application/json":
        data = await request.json()
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {k: str(v) for k, v in (await request.post()).items()}


def required(fields: dict[str, str], *names: str) -> None:
    missing = {name: ["This field is required."] for name in names if not fields.get(name)}
    if missing:
        raise ApiError(400, "EINVALIDREQ", errors=missing)


async def in_thread(world: World, work: Callable[[], T]) -> T:
    """Run `work` (World reads and writes, git) in a thread, holding the World's lock."""

    def locked() -> T:
        with world.lock:
            return work()

    return await asyncio.to_thread(locked)


def locate(world: World, parts: list[str]) -> tuple[str | None, list[str]]:
    """The World path of the repository `parts` starts with, and the parts after it."""
    lengths = (4, 3) if parts[:1] == ["fork"] else (2, 1)
    for length in (n for n in lengths if len(parts) >= n):
        path = "/".join(parts[:length])
        try:
            world.repo(FORGE, path)
        except WorldError:
            continue
        return path, parts[length:]
    return None, parts


def commit_exists(git_dir: Path, sha: str) -> bool:
    """Whether `sha` names a commit: Pagure takes a commit id where it takes no branch."""
    if not _HEX.fullmatch(sha):
        return False
    try:
        gitstore.run_git(git_dir, "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}")
    except gitstore.GitError:
        return False
    return True
