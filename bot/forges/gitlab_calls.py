"""How the GitLab adapter runs python-gitlab: one request per `Caller.call`, in a worker thread
of its own pool, with the library's own retries off, its failures mapped to our errors, pages
followed by `X-Next-Page`, and answers revalidated by ETag."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

import gitlab
import requests
from requests.structures import CaseInsensitiveDict

from bot.forges import status
from bot.forges.calls import ETAG_CACHE_ENTRIES, Caller
from bot.forges.errors import ForgeError, Invalid, Unavailable

T = TypeVar("T")
Headers = Mapping[str, str]
Clock = Callable[[], datetime]

#: keyword arguments every python-gitlab call gets: `Caller` alone decides about retries
#: and waiting, so the library must not sleep on a 429 by itself
NO_LIBRARY_RETRY: dict[str, Any] = {"obey_rate_limit": False, "retry_transient_errors": False}


_seen = threading.local()


def remember_headers(response: requests.Response, *_args: object, **_kwargs: object) -> None:
    """A `requests` response hook: python-gitlab's errors carry no headers, so each worker
    thread keeps the headers of the last answer it received (Retry-After, ETag, X-Next-Page)."""
    _seen.headers = response.headers


class NotModified(Exception):
    """The forge answered 304: the cached answer still holds."""


class GitlabCalls:
    """Runs python-gitlab calls for one adapter; `cache_hits` counts answers revalidated by 304.

    The calls get worker threads of their own (`threads` of them): a call that timed out keeps
    its thread until python-gitlab's own timeout ends it, and such threads must not starve the
    default executor that the rest of the process (the sandbox's git, the World) relies on.
    """

    def __init__(
        self,
        *,
        forge: str,
        caller: Caller,
        clock: Clock,
        threads: int,
        cache_entries: int = ETAG_CACHE_ENTRIES,
    ) -> None:
        self.forge = forge
        self.caller = caller
        self.clock = clock
        self.cache_hits = 0
        #: answers kept for revalidation, least recently used dropped first
        self._cache: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._cache_entries = cache_entries
        # threads start on first use, not here
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"{forge}-api")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _threaded(self, doing: str, call: Callable[[], T]) -> tuple[T, Headers]:
        loop = asyncio.get_running_loop()
        # as asyncio.to_thread does: the call sees the caller's context variables (log fields)
        context = contextvars.copy_context()
        return await loop.run_in_executor(
            self._pool, functools.partial(context.run, self._in_thread, doing, call)
        )

    async def run(self, doing: str, call: Callable[[], T]) -> T:
        """One request: `call` runs python-gitlab in a worker thread under the caller's limits."""
        value, _headers = await self.caller.call(doing, lambda: self._threaded(doing, call))
        return value

    async def write(
        self, doing: str, call: Callable[[], T], *, landed: Callable[[], T | None]
    ) -> T:
        """A request that creates something. When an attempt fails without an answer (a timeout,
        a reset, a 5xx) the write may still have happened, so before trying again `landed`
        looks for what the lost attempt created and returns it instead of creating a twin."""
        tries = 0

        def attempt() -> T:
            nonlocal tries
            tries += 1
            if tries > 1:
                found = landed()
                if found is not None:
                    return found
            return call()

        return await self.run(doing, attempt)

    async def conditional(self, doing: str, key: str, call: Callable[[Headers], T]) -> T:
        """One GET sent with the ETag of the last answer for `key`; a 304 returns that answer.

        `call` gets the extra request headers to send. The value must not be mutated later:
        it is handed out again on every cache hit.
        """
        value, _next = await self._conditional_page(doing, key, call)
        return value

    async def pages(
        self,
        doing: str,
        key: str,
        call: Callable[[int, Headers], list[T]],
        *,
        enough: Callable[[list[T]], bool] | None = None,
        cache: bool = True,
    ) -> list[T]:
        """Every page of a list, following `X-Next-Page`; each page is its own request (with its
        own retries, and its own ETag unless `cache` is off for bulky answers such as diffs).
        `enough` stops early once the items gathered suffice."""
        items: list[T] = []
        page: int | None = 1
        while page is not None:
            found, page = await self._conditional_page(
                f"{doing} (page {page})",
                f"{key}#page={page}",
                functools.partial(_one_page, call, page),
                cache=cache,
            )
            items.extend(found)
            if enough is not None and enough(items):
                break
        return items

    async def _conditional_page(
        self, doing: str, key: str, call: Callable[[Headers], T], *, cache: bool = True
    ) -> tuple[T, int | None]:
        cached = self._cache.get(key) if cache else None
        extra = {"If-None-Match": cached[0]} if cached else {}
        try:
            value, headers = await self.caller.call(
                doing, lambda: self._threaded(doing, lambda: call(extra))
            )
        except NotModified:
            if cached is None:
                raise Invalid(
                    self.forge, f"{doing}: 304 Not Modified to an unconditional GET"
                ) from None
            self.cache_hits += 1
            self._cache.move_to_end(key)
            return cached[1]
        next_page = _next_page(headers)
        etag = headers.get("ETag")
        if etag and cache:
            self._cache[key] = (etag, (value, next_page))
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_entries:
                self._cache.popitem(last=False)
        return value, next_page

    def _in_thread(self, doing: str, call: Callable[[], T]) -> tuple[T, Headers]:
        _seen.headers = None
        try:
            value = call()
        except gitlab.exceptions.GitlabError as failure:
            if failure.response_code == 304:
                raise NotModified() from None
            raise self._mapped(doing, failure) from failure
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as failure:
            raise Unavailable(self.forge, f"{doing}: {type(failure).__name__}") from failure
        except requests.RequestException as failure:
            raise Invalid(self.forge, f"{doing}: {type(failure).__name__}") from failure
        except (TypeError, ValueError, AttributeError, KeyError) as failure:
            # python-gitlab builds its objects from whatever came back: HTML from a proxy,
            # a list where an object belongs
            raise Invalid(
                self.forge, f"{doing}: unreadable answer ({type(failure).__name__})"
            ) from failure
        # GitLab sends "Etag", others "ETag": keep the headers case-insensitive
        return value, CaseInsensitiveDict(getattr(_seen, "headers", None) or {})

    def _mapped(self, doing: str, failure: gitlab.exceptions.GitlabError) -> ForgeError:
        code = failure.response_code
        if code is None:
            # a parse failure or a redirect python-gitlab refuses to follow
            what = f"{type(failure).__name__}: {failure.error_message}"
            return Invalid(self.forge, f"{doing}: {what}")
        headers = dict(getattr(_seen, "headers", None) or {})
        body = failure.response_body or b""
        error = status.error_for(self.forge, code, headers, body, doing=doing, now=self.clock())
        return error or Invalid(self.forge, f"{doing}: unexpected HTTP {code}")


def _one_page(call: Callable[[int, Headers], T], page: int, headers: Headers) -> T:
    return call(page, headers)


def page_args(page: int, headers: Headers, *, per_page: int) -> dict[str, Any]:
    """python-gitlab keyword arguments asking for exactly one page, with conditional headers."""
    return {
        "page": page,
        "per_page": per_page,
        "get_all": False,
        "extra_headers": dict(headers),
        **NO_LIBRARY_RETRY,
    }


def read(forge: str, doing: str, parse: Callable[[Any], T], data: Any) -> T:
    """`parse(data)`, with an answer we cannot read reported as `Invalid`."""
    try:
        return parse(data)
    except ValueError as error:
        raise Invalid(forge, f"{doing}: {error}") from error


def _next_page(headers: Headers) -> int | None:
    value = (headers.get("X-Next-Page") or "").strip()
    return int(value) if value.isdigit() else None
