"""Sends the Pagure adapter's requests: one aiohttp session, every request inside the
`Caller` (timeout, retries, budget), HTTP failures mapped to the forge errors, paginated
listings read to the end, and creations that a retry cannot make twice."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import aiohttp

from bot.forges.calls import Caller
from bot.forges.errors import Invalid, Unavailable
from bot.forges.pagure_answers import Json, json_object, pages
from bot.forges.pagure_requests import Request
from bot.forges.status import error_for

log = logging.getLogger(__name__)
T = TypeVar("T")

#: the errors an answer of an unexpected shape raises while it is deciphered
_UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, IndexError)


class PagureHttp:
    def __init__(
        self,
        *,
        forge: str,
        base_url: str,
        token: str,
        caller: Caller,
        clock: Callable[[], datetime],
    ) -> None:
        self.forge = forge
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._caller = caller
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def decipher(self, doing: str, read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return read(*args, **kwargs)
        except _UNREADABLE as error:
            raise Invalid(
                self.forge, f"{doing}: unexpected answer ({type(error).__name__}: {error})"
            ) from None

    async def once(self, request: Request, doing: str) -> bytes:
        """One request, no retry: the body of a successful answer, or the forge error."""
        if self._session is None:
            # the Caller's timeout bounds each call; aiohttp's own would race with it
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        headers = {"Accept": "application/json"}
        if request.api:
            headers["Authorization"] = f"token {self._token}"
        try:
            async with self._session.request(
                request.method,
                self.base_url + request.path,
                params=list(request.query) or None,
                data=dict(request.form) if request.form else None,
                headers=headers,
                # a redirect could carry the token to another host; Pagure's API sends none
                allow_redirects=not request.api,
            ) as answer:
                body = await answer.read()
                status, answer_headers = answer.status, dict(answer.headers)
        except aiohttp.ClientError as error:
            raise Unavailable(self.forge, f"{doing}: {type(error).__name__}: {error}") from None
        failed = error_for(self.forge, status, answer_headers, body, doing=doing, now=self._clock())
        if failed is not None:
            raise failed
        return body

    async def send(self, request: Request, doing: str) -> bytes:
        return await self._caller.call(doing, lambda: self.once(request, doing))

    async def json(self, request: Request, doing: str, *, direct: bool = False) -> Json:
        body = await (self.once(request, doing) if direct else self.send(request, doing))
        return self.decipher(doing, json_object, body)

    async def pages(
        self,
        build: Callable[[int], Request],
        doing: str,
        key: str,
        *,
        direct: bool = False,
    ) -> list[Json]:
        """Every item of a paginated listing (`build(page)` makes the request for a page)."""
        items: list[Json] = []
        page = 1
        while True:
            data = await self.json(build(page), f"{doing} (page {page})", direct=direct)
            items += self.decipher(doing, lambda d: list(d[key]), data)
            if page >= self.decipher(doing, pages, data):
                return items
            page += 1

    async def call(self, doing: str, attempt: Callable[[], Awaitable[T]]) -> T:
        return await self._caller.call(doing, attempt)

    async def create(
        self,
        request: Request,
        doing: str,
        *,
        read: Callable[[bytes], T | None],
        find: Callable[[], Awaitable[T | None]],
    ) -> T:
        """Send a creating request once, even when retried.

        An attempt that timed out may have landed on the forge: every later attempt first
        looks (`find`, which must use `once`) for what it made. `read` turns the answer into
        the created object, or None when the answer does not hold it (then `find` does).
        """
        tries = 0

        async def attempt() -> T | None:
            nonlocal tries
            tries += 1
            if tries > 1:
                found = await find()
                if found is not None:
                    log.info("a retried write had landed", extra={"doing": doing})
                    return found
            body = await self.once(request, doing)
            return self.decipher(doing, read, body)

        made = await self._caller.call(doing, attempt)
        if made is None:
            made = await self._caller.call(doing, find)
        if made is None:
            raise Invalid(self.forge, f"{doing}: accepted, but not found afterwards")
        return made
