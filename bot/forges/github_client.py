"""How the GitHub adapter talks HTTP: PyGithub clients lent to one worker thread at a time,
conditional GETs against an ETag cache, `Link` pages, and GitHub's failures as forge errors."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import github
import requests
from github.GithubException import GithubException, RateLimitExceededException
from github.Repository import Repository
from github.Requester import Requester

from bot.forges import status
from bot.forges.base import RepoRef
from bot.forges.errors import Conflict, ForgeError, Invalid, RateLimited, Unavailable

#: GitHub asks clients that hit a secondary rate limit without a Retry-After to wait a minute
SECONDARY_LIMIT_PAUSE = 60.0
USER_AGENT = "upstream-bot"


@dataclass(slots=True)
class Client:
    """One PyGithub client and a plain session for the answers PyGithub only hands back as
    decoded text (a diff must keep its exact bytes)."""

    github: github.Github
    session: requests.Session

    @property
    def requester(self) -> Requester:
        return self.github.requester


class Clients:
    """A pool of clients. PyGithub's connection object keeps the request it is about to send
    in attributes, so two threads must never share one client at the same time."""

    def __init__(self, *, base_url: str, token: str, timeout: int) -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._idle: list[Client] = []
        self._lock = threading.Lock()
        self._closed = False
        self.created = 0

    @property
    def base_url(self) -> str:
        return self._base_url

    @contextmanager
    def lease(self) -> Iterator[Client]:
        with self._lock:
            client = self._idle.pop() if self._idle else None
        if client is None:
            client = self._new()
        try:
            yield client
        finally:
            with self._lock:
                keep = not self._closed
                if keep:
                    self._idle.append(client)
            if not keep:
                _close(client)

    def _new(self) -> Client:
        client = github.Github(
            base_url=self._base_url,
            # no token: anonymous reads (PyGithub refuses an empty token)
            auth=github.Auth.Token(self._token) if self._token else None,
            timeout=self._timeout,
            user_agent=USER_AGENT,
            # the adapter's Caller is the only layer that retries or paces requests
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
        )
        session = requests.Session()
        # an explicit no-op auth keeps requests from taking credentials out of a ~/.netrc
        session.auth = Requester.noopAuth
        with self._lock:
            self.created += 1
        return Client(client, session)

    def authorization(self) -> dict[str, str]:
        return {"Authorization": f"token {self._token}"} if self._token else {}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for client in idle:
            _close(client)


def _close(client: Client) -> None:
    client.github.close()
    client.session.close()


@dataclass(frozen=True, slots=True)
class _Stored:
    etag: str
    headers: dict[str, Any]
    body: str | bytes


class EtagCache:
    """Answers of earlier GETs by URL, replayed when GitHub says 304 Not Modified (which
    costs no rate limit); least recently used entries go first."""

    def __init__(self, *, max_entries: int) -> None:
        self._entries: OrderedDict[str, _Stored] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def lookup(self, key: str) -> _Stored | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def store(self, key: str, etag: str | None, headers: dict[str, Any], body: str | bytes) -> None:
        with self._lock:
            self.misses += 1
            if not etag or self._max <= 0:
                return
            self._entries[key] = _Stored(etag, dict(headers), body)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def hit(self) -> None:
        with self._lock:
            self.hits += 1


def cache_key(url: str, params: dict[str, Any], accept: str = "") -> str:
    return f"{accept} {url}?{urlencode(sorted(params.items()))}"


def get_json(
    client: Client, cache: EtagCache, url: str, params: dict[str, Any]
) -> tuple[dict[str, Any], Any]:
    """GET a JSON answer through PyGithub, conditionally when an earlier answer is cached."""
    key = cache_key(url, params)
    held = cache.lookup(key)
    headers = {"If-None-Match": held.etag} if held else {}
    code, answer_headers, body = client.requester.requestJson(
        "GET", url, parameters=params, headers=headers
    )
    if code == 304 and held is not None:
        cache.hit()
        return held.headers, json.loads(held.body)
    data = json.loads(body) if body else None
    if code >= 300:
        raise Requester.createException(code, answer_headers, data)
    cache.store(key, answer_headers.get("etag"), answer_headers, body)
    return answer_headers, data


def get_bytes(
    client: Client, clients: Clients, cache: EtagCache, url: str, *, accept: str, timeout: float
) -> tuple[int, dict[str, str], bytes]:
    """GET a non-JSON answer with its exact bytes: (status, headers, body); conditional too."""
    absolute = f"{clients.base_url}{url}"
    key = cache_key(absolute, {}, accept)
    held = cache.lookup(key)
    headers = {"Accept": accept, "User-Agent": USER_AGENT, **clients.authorization()}
    if held is not None:
        headers["If-None-Match"] = held.etag
    answer = client.session.get(absolute, headers=headers, timeout=timeout, allow_redirects=False)
    lowered = {k.lower(): v for k, v in answer.headers.items()}
    if answer.status_code == 304 and held is not None:
        cache.hit()
        return 200, held.headers, bytes(held.body)  # type: ignore[arg-type]
    if 200 <= answer.status_code < 300:
        cache.store(key, lowered.get("etag"), lowered, answer.content)
    return answer.status_code, lowered, answer.content


def next_link(headers: dict[str, Any], *, base_url: str) -> str | None:
    """The `rel="next"` URL of a `Link` header, if it points at the same API."""
    for part in str(headers.get("link", "")).split(","):
        target, _, params = part.partition(";")
        if 'rel="next"' not in params.replace(" ", ""):
            continue
        url = target.strip().removeprefix("<").removesuffix(">")
        here, there = urlsplit(base_url), urlsplit(url)
        # never follow (and send the token) to another host than the API's
        if (there.scheme, there.netloc) != (here.scheme, here.netloc):
            return None
        return url
    return None


def forge_error(forge: str, failure: GithubException, *, doing: str, now: datetime) -> ForgeError:
    """The forge error a PyGithub exception means."""
    headers = {str(k).lower(): str(v) for k, v in (failure.headers or {}).items()}
    data = failure.data
    body = json.dumps(data).encode() if data is not None else b""
    if failure.status == 422 and _already_exists(data):
        return Conflict(forge, f"{doing}: HTTP 422 ({_message(data)})")
    error = status.error_for(forge, failure.status, headers, body, doing=doing, now=now)
    if isinstance(failure, RateLimitExceededException) and not isinstance(error, RateLimited):
        # a secondary rate limit: 403 while the hourly budget still has room
        pause = status.retry_after(headers, now=now)
        return RateLimited(
            forge,
            f"{doing}: HTTP {failure.status} ({_message(data)})",
            retry_after=SECONDARY_LIMIT_PAUSE if pause is None else pause,
        )
    return error or Invalid(forge, f"{doing}: HTTP {failure.status} with an error body")


def transport_error(forge: str, failure: requests.RequestException, *, doing: str) -> ForgeError:
    if isinstance(failure, requests.Timeout):
        return Unavailable(forge, f"{doing}: no answer in time ({type(failure).__name__})")
    return Unavailable(forge, f"{doing}: connection failed ({type(failure).__name__})")


def _already_exists(data: Any) -> bool:
    errors = data.get("errors") if isinstance(data, dict) else None
    return any(
        isinstance(e, dict) and "already exists" in str(e.get("message", "")).lower()
        for e in errors or []
    )


def _message(data: Any) -> str:
    if not isinstance(data, dict):
        return "no message"
    details = [str(e.get("message") or e.get("code")) for e in data.get("errors") or []]
    return "; ".join([str(data.get("message", "")), *details]).strip("; ")


def api_path(repo: RepoRef) -> str:
    return f"/repos/{quote(repo.namespace, safe='')}/{quote(repo.name, safe='')}"


def repository(client: Client, repo: RepoRef) -> Repository:
    """PyGithub's repository object; the client is lazy, so this sends nothing until one
    of its methods is called."""
    return client.github.get_repo(repo.path)
