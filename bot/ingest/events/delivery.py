"""One webhook request (headers and raw body) read into a `Delivery`: the forge's event name,
its delivery id, and the typed event or why it is ignored.

Signatures are checked before this runs (`bot.ingest.signatures`); this only reads. Events
the bot does not handle are ignored without decoding the body, except Pagure's, whose
topic is inside the body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.ingest.events import gitea, github, gitlab, pagure
from bot.ingest.events.fields import decode
from bot.ingest.events.model import Delivery, Event, ForgeKind, MalformedPayload

Headers = Mapping[str, str]

#: the events worth decoding, per forge (the others are ignored unread)
HANDLED = {
    ForgeKind.GITHUB: frozenset({"issue_comment", "pull_request", "push", "ping"}),
    ForgeKind.GITLAB: frozenset(
        {"Note Hook", "Confidential Note Hook", "Merge Request Hook", "Push Hook"}
    ),
    ForgeKind.GITEA: frozenset({"issue_comment", "pull_request_comment", "pull_request", "push"}),
}
#: headers naming the event and the delivery, first found wins (Forgejo and Gogs spellings
#: of Gitea's are accepted too)
_EVENT_HEADERS = {
    ForgeKind.GITHUB: ("X-GitHub-Event",),
    ForgeKind.GITLAB: ("X-Gitlab-Event",),
    ForgeKind.GITEA: ("X-Gitea-Event", "X-Forgejo-Event", "X-Gogs-Event"),
}
_DELIVERY_HEADERS = {
    ForgeKind.GITHUB: ("X-GitHub-Delivery",),
    # Idempotency-Key stays the same when GitLab resends; the event UUID is the fallback
    ForgeKind.GITLAB: ("Idempotency-Key", "X-Gitlab-Event-UUID"),
    ForgeKind.GITEA: ("X-Gitea-Delivery", "X-Forgejo-Delivery", "X-Gogs-Delivery"),
}
_PERCENT = re.compile(rb"%([0-9A-Fa-f]{2})")
#: a delivery id longer than this is no forge's (they are UUIDs or "<year>-<uuid>")
MAX_ID = 200


def read_delivery(forge: ForgeKind, headers: Headers, body: bytes) -> Delivery:
    """What the request says; MalformedPayload when a handled event is not shaped like one."""
    if forge is ForgeKind.PAGURE:
        payload = decode(body)
        topic = pagure.topic_of(payload)
        delivery_id = _checked_id(payload.opt_str("msg_id"), "msg_id")
        return _delivery(forge, topic, delivery_id, pagure.parse(payload))
    name = _first(headers, _EVENT_HEADERS[forge])
    if not name:
        wanted = " or ".join(_EVENT_HEADERS[forge])
        raise MalformedPayload(f"no {wanted} header says which event this is")
    delivery_id = _checked_id(_first(headers, _DELIVERY_HEADERS[forge]), "delivery id")
    if name not in HANDLED[forge]:
        return Delivery(forge, name, delivery_id, None, f"{forge} event {name!r} is not handled")
    if forge is ForgeKind.GITHUB:
        payload = decode(_github_body(headers, body))
        return _delivery(forge, name, delivery_id, github.parse(name, payload))
    if forge is ForgeKind.GITLAB:
        return _delivery(forge, name, delivery_id, gitlab.parse(name, decode(body)))
    event_type = _first(headers, ("X-Gitea-Event-Type", "X-Forgejo-Event-Type"))
    return _delivery(forge, name, delivery_id, gitea.parse(name, event_type, decode(body)))


def header(headers: Headers, name: str) -> str | None:
    """A header's value whatever its case (a plain dict is case-sensitive, HTTP is not)."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _delivery(
    forge: ForgeKind, name: str, delivery_id: str | None, parsed: Event | str
) -> Delivery:
    if isinstance(parsed, str):
        return Delivery(forge, name, delivery_id, None, parsed)
    return Delivery(forge, name, delivery_id, parsed)


def _first(headers: Headers, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = header(headers, name)
        if value:
            return value.strip()
    return None


def _checked_id(value: str | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > MAX_ID or not value.isprintable():
        raise MalformedPayload(f"the {what} is not an id a forge sends: {value[:40]!r}")
    return value


def _github_body(headers: Headers, body: bytes) -> bytes:
    """GitHub's "form" content type sends `payload=<url-encoded JSON>`."""
    content_type = (header(headers, "Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return body
    for field in body.split(b"&"):
        key, _, value = field.partition(b"=")
        if key == b"payload":
            return _PERCENT.sub(lambda m: bytes([int(m[1], 16)]), value.replace(b"+", b" "))
    raise MalformedPayload("a form-encoded delivery without a payload field")
