"""The webhook endpoints: `POST /webhooks/{gitea,gitlab,github,pagure}`.

Each request is verified against the secrets of the configured forges of that type (in
constant time), read into a typed event, stored in the inbox through the group-commit
writer, and answered 202; nothing here talks to a forge (receivers get 5 to 10 s, and
GitLab disables a hook that fails four times in a row). Answers:

- 413: the body is larger than `[chatops] max_body_size`
- 404: no forge of that type has a webhook secret configured
- 401: no configured secret verifies the signature (or GitLab's token)
- 400: the payload claims a handled event but is not shaped like one
- 202: stored, a duplicate (stored before), a ping, or an event the bot does not handle
- 503: the inbox could not store it (the forge's log shows the failure)

A push on a downstream (or autopatch) repository also asks for that package's refresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from aiohttp import web

from bot.ingest.events import (
    Delivery,
    ForgeKind,
    MalformedPayload,
    PingEvent,
    PushEvent,
    read_delivery,
)
from bot.ingest.events.codec import encode
from bot.ingest.signatures import Scheme, verify
from bot.service.inbox_writer import InboxWriter, WriterClosed
from bot.service.logs import log_context
from bot.settings import ForgeRole, Settings
from bot.store import StoreError
from bot.store.records import InboxEvent

log = logging.getLogger(__name__)

Refresh = Callable[[str], None]
_SCHEMES = {
    ForgeKind.GITEA: Scheme.GITEA,
    ForgeKind.GITLAB: Scheme.GITLAB,
    ForgeKind.GITHUB: Scheme.GITHUB,
    ForgeKind.PAGURE: Scheme.PAGURE,
}
#: roles whose pushes change a package: its dist-git and its autopatch config
_PACKAGE_ROLES = frozenset({ForgeRole.DOWNSTREAM, ForgeRole.AUTOPATCH})


@dataclass(frozen=True, slots=True)
class HookSource:
    """A configured forge that may deliver to its type's endpoint."""

    name: str
    kind: ForgeKind
    secret: str
    namespace: str | None = None
    #: pushes to its repositories ask for a package refresh (downstream and autopatch)
    holds_packages: bool = False

    def owns(self, repo: str) -> bool:
        return self.namespace is None or repo.startswith(f"{self.namespace}/")


def sources_from_settings(settings: Settings) -> tuple[HookSource, ...]:
    """Every configured forge with a webhook secret (from its `webhook_secret_env`)."""
    return tuple(
        HookSource(
            name=forge.name,
            kind=ForgeKind(str(forge.type)),
            secret=forge.webhook_secret.reveal(),
            namespace=forge.namespace,
            holds_packages=forge.role in _PACKAGE_ROLES,
        )
        for forge in settings.forges
        if forge.webhook_secret is not None and forge.webhook_secret.reveal()
    )


class WebhookReceiver:
    """Verifies, reads and stores deliveries; `routes()` are its four endpoints."""

    def __init__(
        self,
        sources: Iterable[HookSource],
        writer: InboxWriter,
        *,
        max_body_size: int,
        refresh: Refresh | None = None,
        on_new: Callable[[], None] | None = None,
    ) -> None:
        """`refresh(package)` is asked for after a new push on a package's repository;
        `on_new()` after each new event is stored (the workers stop idling)."""
        self._sources = tuple(sources)
        self._writer = writer
        self._max_body = max_body_size
        self._refresh = refresh
        self._on_new = on_new

    def routes(self) -> list[web.RouteDef]:
        return [web.post(f"/webhooks/{kind}", self._handler(kind)) for kind in ForgeKind]

    def _handler(self, kind: ForgeKind) -> Callable[[web.Request], object]:
        async def handle(request: web.Request) -> web.Response:
            return await self.receive(kind, request)

        return handle

    async def receive(self, kind: ForgeKind, request: web.Request) -> web.Response:
        candidates = [source for source in self._sources if source.kind is kind]
        if not candidates:
            return _answer(404, f"no {kind} forge here has a webhook secret configured")
        body = await _read_body(request, self._max_body)
        if body is None:
            return _answer(413, f"the body is larger than {self._max_body} bytes")
        verified = [
            s for s in candidates if verify(_SCHEMES[kind], s.secret, body, request.headers)
        ]
        if not verified:
            return _answer(401, "the signature does not match any configured webhook secret")
        try:
            delivery = read_delivery(kind, request.headers, body)
        except MalformedPayload as error:
            return _answer(400, f"malformed {kind} delivery: {error}")
        with log_context(delivery_id=delivery.delivery_id, forge_event=delivery.name):
            return await self._accept(delivery, verified)

    async def _accept(self, delivery: Delivery, verified: Sequence[HookSource]) -> web.Response:
        event = delivery.event
        if event is None:
            return _answer(202, delivery.ignored or "ignored", status="ignored")
        if isinstance(event, PingEvent):
            return _answer(202, "pong", status="pong")
        repo = event.repo if isinstance(event, PushEvent) else event.thread.repo
        source = _source_for(verified, repo)
        key = f"{source.name}:{event.identity}"
        item = InboxEvent(
            forge=source.name,
            event_key=key,
            event_type=str(event.kind),
            payload=encode(event),
            delivery_id=delivery.delivery_id,
        )
        try:
            new = await self._writer.submit(item)
        except (StoreError, WriterClosed) as error:
            log.warning("webhook not stored", extra={"event_key": key, "error": str(error)})
            return _answer(503, "the inbox cannot store events right now")
        if new and isinstance(event, PushEvent) and source.holds_packages:
            self._ask_refresh(source, event)
        if new and self._on_new is not None:
            self._on_new()
        return _answer(202, key, status="queued" if new else "duplicate")

    def _ask_refresh(self, source: HookSource, push: PushEvent) -> None:
        if self._refresh is None or not source.owns(push.repo):
            return
        package = push.repo.rsplit("/", 1)[-1]
        try:
            self._refresh(package)
        except Exception:
            # the event is stored and the scheduled scan covers the package anyway
            log.exception("refresh request failed", extra={"package": package})


def _source_for(verified: Sequence[HookSource], repo: str) -> HookSource:
    """Of the forges whose secret verified, the one whose namespace holds `repo` (the
    longest such namespace), else the first."""
    owning = [s for s in verified if s.owns(repo)]
    if not owning:
        return verified[0]
    return max(owning, key=lambda s: len(s.namespace or ""))


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is larger than `limit` (never read past it)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(code: int, detail: str, *, status: str | None = None) -> web.Response:
    body = {"status": status or ("error" if code >= 400 else "ok"), "detail": detail}
    return web.json_response(body, status=code)
