"""The only I/O of the Gitea client: send one built request over aiohttp, return the answer."""

from __future__ import annotations

import aiohttp

from bot.forges.errors import Unavailable
from bot.forges.gitea_requests import Answer, Request


class Transport:
    """One aiohttp session, opened on first use (never at construction) and closed by `close`."""

    def __init__(self, *, forge: str, timeout: float) -> None:
        self._forge = forge
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def send(self, request: Request) -> Answer:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.request(
                request.method, request.url, headers=dict(request.headers), data=request.body
            ) as response:
                body = await response.read()
                headers = {name.lower(): value for name, value in response.headers.items()}
                return Answer(response.status, headers, body)
        except (aiohttp.ClientError, OSError) as failure:
            # the message names the request and the failure; the token lives in headers only
            raise Unavailable(
                self._forge, f"{request.doing}: {type(failure).__name__}: {failure}"
            ) from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
