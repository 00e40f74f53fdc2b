"""What the inbox workers do with each kind of event: comments go to chat-ops; a request the
bot follows that was merged, closed or reopened asks for its package's refresh (the scan
reads its new state); pushes asked for their refresh when they arrived, so nothing is left."""

from __future__ import annotations

from collections.abc import Callable

from bot.ingest.events import ChangeStateEvent, CommentEvent, EventKind, StoredEvent
from bot.service.chatops import Chatops
from bot.service.chatops.subjects import spellings
from bot.service.inbox import EventHandler
from bot.store import Store

Refresh = Callable[[str], None]


def event_handlers(
    chatops: Chatops, store: Store, *, refresh: Refresh | None = None
) -> dict[EventKind, EventHandler]:
    """The handler of each event kind, for `InboxWorker`."""

    async def comment(forge: str, event: StoredEvent) -> object:
        assert isinstance(event, CommentEvent)
        return await chatops.handle(forge, event)

    async def change_state(forge: str, event: StoredEvent) -> object:
        assert isinstance(event, ChangeStateEvent)
        link = store.chatops.thread_link(spellings(event.thread.url))
        if link is not None and refresh is not None:
            refresh(link.package)
        return link

    async def push(forge: str, event: StoredEvent) -> object:
        return None

    return {EventKind.COMMENT: comment, EventKind.CHANGE_STATE: change_state, EventKind.PUSH: push}
