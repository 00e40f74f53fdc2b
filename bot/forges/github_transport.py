"""One GitHub request = one `Caller.call` run in a worker thread with a leased PyGithub client;
what a request may fail with is turned into the forge errors right there."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

import requests
from github.GithubException import BadAttributeException, GithubException

from bot.forges import status
from bot.forges.calls import Caller
from bot.forges.errors import Invalid
from bot.forges.github_client import (
    Client,
    Clients,
    EtagCache,
    forge_error,
    get_bytes,
    get_json,
    next_link,
    transport_error,
)

T = TypeVar("T")
Json = dict[str, Any]


class Transport:
    """Runs the GitHub adapter's requests within its Caller's limits."""

    def __init__(
        self,
        *,
        forge: str,
        clients: Clients,
        cache: EtagCache,
        caller: Caller,
        page_size: int,
        timeout: float,
        now: Callable[[], datetime],
        workers: int,
    ) -> None:
        self.forge = forge
        self.clients = clients
        self.cache = cache
        self._caller = caller
        self._page_size = page_size
        self._timeout = timeout
        self._now = now
        # an own pool: a call the Caller gave up on keeps its thread until PyGithub's own
        # timeout ends it, and such threads must not starve the loop's default executor
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=forge)

    async def call(self, doing: str, work: Callable[[Client], T]) -> T:
        """Run `work` (blocking, in a thread) with a client; one request per attempt."""

        def in_thread() -> T:
            with self.clients.lease() as client:
                try:
                    return work(client)
                except GithubException as failure:
                    raise forge_error(self.forge, failure, doing=doing, now=self._now()) from None
                except requests.RequestException as failure:
                    raise transport_error(self.forge, failure, doing=doing) from None
                except (BadAttributeException, KeyError, TypeError, ValueError) as failure:
                    # the answer was not what GitHub documents
                    raise Invalid(
                        self.forge, f"{doing}: unreadable answer ({type(failure).__name__})"
                    ) from None

        async def attempt() -> T:
            return await asyncio.get_running_loop().run_in_executor(self._executor, in_thread)

        return await self._caller.call(doing, attempt)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.clients.close()

    async def get(
        self, doing: str, url: str, decoder: Callable[[Client, Any], T], **params: Any
    ) -> T:
        """GET one JSON answer (conditionally) and decode it in the worker thread."""

        def work(client: Client) -> T:
            _headers, data = get_json(client, self.cache, url, _clean(params))
            return decoder(client, data)

        return await self.call(doing, work)

    async def pages(
        self,
        doing: str,
        url: str,
        decoder: Callable[[Client, Json], T | None],
        *,
        limit: int | None = None,
        items: Callable[[Any], list[Json]] | None = None,
        until: Callable[[T], bool] | None = None,
        **params: Any,
    ) -> list[T]:
        """Every decoded item of every page (or the first `limit`, or up to the page whose
        last item satisfies `until`), one request per page; items the decoder maps to None
        are left out."""
        found: list[T] = []
        per_page = self._page_size if limit is None else min(self._page_size, limit)
        next_url: str | None = url
        query = _clean({**params, "per_page": per_page})
        while next_url is not None:
            work = self._page_work(next_url, query, decoder, items)
            decoded, next_url = await self.call(doing, work)
            found += [item for item in decoded if item is not None]
            query = {}  # a next link carries the whole query
            if limit is not None and len(found) >= limit:
                return found[:limit]
            if until is not None and found and until(found[-1]):
                return found
        return found

    def _page_work(
        self,
        url: str,
        query: Json,
        decoder: Callable[[Client, Json], T | None],
        items: Callable[[Any], list[Json]] | None,
    ) -> Callable[[Client], tuple[list[T | None], str | None]]:
        def work(client: Client) -> tuple[list[T | None], str | None]:
            headers, data = get_json(client, self.cache, url, query)
            listed = items(data) if items is not None else data
            if not isinstance(listed, list):
                raise TypeError("a page of a list is not a list")
            decoded = [decoder(client, item) for item in listed]
            return decoded, next_link(headers, base_url=self.clients.base_url)

        return work

    async def get_raw(self, doing: str, url: str, *, accept: str) -> bytes:
        """GET a non-JSON representation (a diff) with its exact bytes."""

        def work(client: Client) -> bytes:
            code, headers, body = get_bytes(
                client, self.clients, self.cache, url, accept=accept, timeout=self._timeout
            )
            error = status.error_for(self.forge, code, headers, body, doing=doing, now=self._now())
            if error is not None:
                raise error
            return body

        return await self.call(doing, work)


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}
