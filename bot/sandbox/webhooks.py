"""Delivers the sandbox forges' webhooks as each real forge does: its own headers, its signature
scheme, its receiver timeout, one attempt and no retry; every delivery is recorded.

An API app reaches the sender through its application: `request.app.get(WEBHOOKS)` (None when
the sandbox runs without hooks), builds the forge's JSON body itself, and calls
`sender.post(forge, event, body)` (queued, as real forges queue deliveries; tests then
`await sender.drain()`) or `await sender.send(...)` (delivered before it returns). Neither
raises: a failed delivery is a `Delivery` with its `error`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from bot.ingest.signatures import Scheme, sign

log = logging.getLogger(__name__)

SessionFactory = Callable[[], aiohttp.ClientSession]
NewId = Callable[[], str]

#: seconds each forge gives a receiver before it counts the delivery as failed
TIMEOUTS = {"gitea": 5.0, "forgejo": 5.0, "gitlab": 10.0, "github": 10.0, "pagure": 60.0}
#: what each forge's delivery says it is
USER_AGENTS = {
    "gitea": "Go-http-client/1.1",
    "forgejo": "Go-http-client/1.1",
    "gitlab": "GitLab/sandbox",
    "github": "GitHub-Hookshot/sandbox",
}
#: a hook may speak Forgejo's dialect of the World's "gitea" forge
_WORLD_FORGE = {"forgejo": "gitea"}


@dataclass(frozen=True, slots=True)
class Hook:
    """Where one sandbox forge delivers its events: `forge` is a World forge name, or
    "forgejo" for a Gitea-forge hook that also sends Forgejo's headers."""

    forge: str
    url: str
    secret: str
    #: GitLab's X-Gitlab-Webhook-UUID: the hook's own identity, the same on every delivery
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True, slots=True)
class Delivery:
    """One POST of one event to one hook, as the forge's delivery log would show it."""

    hook: Hook
    event: str
    delivery_id: str
    headers: dict[str, str]
    body: bytes
    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender:
    """Sends each event to every hook of its forge; `deliveries` is the log, oldest first."""

    def __init__(
        self,
        hooks: Sequence[Hook],
        session_factory: SessionFactory = aiohttp.ClientSession,
        *,
        timeout: float | None = None,
        new_id: NewId = lambda: str(uuid.uuid4()),
    ) -> None:
        self.hooks = list(hooks)
        self.deliveries: list[Delivery] = []
        self._session_factory = session_factory
        self._timeout = timeout
        self._new_id = new_id
        self._pending: set[asyncio.Task[list[Delivery]]] = set()

    async def send(
        self,
        forge: str,
        event: str,
        payload: bytes,
        *,
        event_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> list[Delivery]:
        """POST `payload` to every hook of `forge` with that forge's headers.

        `event` is the forge's own event name as its event header carries it (GitHub
        "issue_comment", GitLab "Note Hook", Gitea "issue_comment", Pagure's topic
        "pull-request.comment.added"); `event_type` is Gitea's finer X-Gitea-Event-Type
        (default: `event`); `headers` are added as given (e.g. GitHub's X-GitHub-Hook-ID).
        """
        hooks = [h for h in self.hooks if _WORLD_FORGE.get(h.forge, h.forge) == forge]
        if not hooks:
            return []
        done = []
        # a session per call: the sender never owns a connection pool across event loops
        async with self._session_factory() as session:
            for hook in hooks:
                delivery_id = self._new_id()
                sent = {
                    **_delivery_headers(hook, event, event_type or event, delivery_id, payload),
                    **(headers or {}),
                }
                done.append(await self._post(session, hook, event, delivery_id, sent, payload))
        return done

    def post(
        self,
        forge: str,
        event: str,
        payload: bytes,
        *,
        event_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Queue `send` in the background, so the API answers before the receiver does."""
        task = asyncio.get_running_loop().create_task(
            self.send(forge, event, payload, event_type=event_type, headers=headers)
        )
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait until every queued delivery has been attempted."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _post(
        self,
        session: aiohttp.ClientSession,
        hook: Hook,
        event: str,
        delivery_id: str,
        headers: dict[str, str],
        body: bytes,
    ) -> Delivery:
        seconds = self._timeout or TIMEOUTS.get(hook.forge, 10.0)
        status: int | None = None
        error: str | None = None
        try:
            async with session.post(
                hook.url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=seconds)
            ) as response:
                status = response.status
                await response.read()
                if not 200 <= status < 300:
                    error = f"the receiver answered HTTP {status}"
        except TimeoutError:
            error = f"no answer within {seconds:g}s"
        except (aiohttp.ClientError, OSError, ValueError) as failure:
            error = f"{type(failure).__name__}: {failure}"
        delivery = Delivery(hook, event, delivery_id, headers, body, status, error)
        self.deliveries.append(delivery)
        if error:
            # real forges only log a failed delivery; nobody retries it
            log.warning(
                "webhook delivery failed",
                extra={"forge": hook.forge, "event": event, "url": hook.url, "error": error},
            )
        return delivery


def _delivery_headers(
    hook: Hook, event: str, event_type: str, delivery_id: str, body: bytes
) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if hook.forge in USER_AGENTS:
        headers["User-Agent"] = USER_AGENTS[hook.forge]
    if hook.forge == "github":
        headers |= {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery_id}
        if hook.secret:  # GitHub sends no signature at all for a hook without a secret
            headers |= sign(Scheme.GITHUB, hook.secret, body)
    elif hook.forge == "gitlab":
        headers |= {
            "X-Gitlab-Event": event,
            "X-Gitlab-Event-UUID": str(uuid.uuid5(uuid.NAMESPACE_URL, delivery_id)),
            "X-Gitlab-Webhook-UUID": hook.id,
            "Idempotency-Key": delivery_id,
        }
        if hook.secret:
            headers |= sign(Scheme.GITLAB, hook.secret, body)
    elif hook.forge in ("gitea", "forgejo"):
        # Gitea repeats every header under Gogs' and GitHub's names for their receivers
        names = ["Gitea", "Gogs", "GitHub"] + (["Forgejo"] if hook.forge == "forgejo" else [])
        for name in names:
            headers |= {
                f"X-{name}-Event": event,
                f"X-{name}-Event-Type": event_type,
                f"X-{name}-Delivery": delivery_id,
            }
        scheme = Scheme.FORGEJO if hook.forge == "forgejo" else Scheme.GITEA
        # with no secret Gitea still sends the headers, empty
        signed = sign(scheme, hook.secret, body)
        headers |= signed if hook.secret else dict.fromkeys(signed, "")
    elif hook.forge == "pagure":
        instance, project = _pagure_context(body)
        headers |= {"X-Pagure": instance, "X-Pagure-project": project, "X-Pagure-Topic": event}
        headers |= sign(Scheme.PAGURE, hook.secret, body)
    return headers


def _pagure_context(body: bytes) -> tuple[str, str]:
    """Pagure's X-Pagure and X-Pagure-project repeat what its envelope's `msg` says."""
    try:
        message = json.loads(body).get("msg", {})
        return str(message.get("pagure_instance", "")), str(message.get("project_fullname", ""))
    except (ValueError, AttributeError):
        return "", ""


#: where an API app finds the sandbox's sender: `request.app.get(WEBHOOKS)`
WEBHOOKS = web.AppKey("sandbox_webhooks", WebhookSender)
