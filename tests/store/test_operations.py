"""bot/store/operations.py: each action and inbox event happens once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import Store, StoreError
from bot.store.records import ActionRecord, ActionState, InboxEvent

from .builders import NOW

LATER = NOW + timedelta(minutes=5)
KEY = "open-change:3f2a:centos-stream:c10s"
MR = "https://gitlab.com/redhat/centos-stream/rpms/bash/-/merge_requests/7"


def _action(**overrides: object) -> ActionRecord:
    values: dict = {"key": KEY, "type": "open-change", "target": "centos-stream",
                    "payload": {"branch": "c10s", "patches": ["a.patch"]}}
    return ActionRecord(**{**values, **overrides})


def _event(key: str, delivery: str | None, forge: str = "gitea") -> InboxEvent:
    return InboxEvent(forge=forge, event_key=key, event_type="comment",
                      payload={"body": "/upstream submit fedora"}, delivery_id=delivery)


def test_an_action_key_is_logged_once(store: Store) -> None:
    assert store.record_action(_action(), now=NOW) is True
    assert store.record_action(_action(type="comment", payload={}), now=LATER) is False
    stored = store.get_action(KEY)
    assert stored is not None
    assert (stored.record, stored.state, stored.created_at) == (_action(), ActionState.PLANNED, NOW)


def test_finishing_an_action_records_its_outcome(store: Store) -> None:
    store.record_action(_action(dry_run=True, reason="policy allows"), now=NOW)
    store.finish_action(KEY, state=ActionState.DONE, now=LATER, url=MR, result={"iid": 7})
    stored = store.get_action(KEY)
    assert stored is not None
    assert (stored.state, stored.url, stored.result, stored.updated_at) == (
        ActionState.DONE, MR, {"iid": 7}, LATER
    )
    assert (stored.record.dry_run, stored.record.reason, stored.created_at) == (True, None, NOW)


def test_finishing_an_unknown_action_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="not logged; record_action must come first"):
        store.finish_action("nope", state=ActionState.DONE, now=NOW)
    assert store.get_action("nope") is None


@pytest.mark.parametrize(
    ("first", "second", "accepted"),
    [
        (_event("k1", "d1"), _event("k1", "d2"), False),
        (_event("k1", "d1"), _event("k2", "d1"), False),
        (_event("k1", "d1"), _event("k2", "d1", forge="github"), True),
        (_event("k1", None, forge="pagure"), _event("k2", None, forge="pagure"), True),
        (_event("k1", None, forge="pagure"), _event("k1", None, forge="pagure"), False),
        (_event("k1", "d1"), _event("k2", "d2"), True),
    ],
    ids=[
        "replay-with-new-delivery-id", "same-delivery-id", "delivery-ids-are-per-forge",
        "no-delivery-ids", "no-delivery-id-same-event", "different-events",
    ],
)
def test_inbox_deduplicates_by_event_and_by_delivery(
    store: Store, first: InboxEvent, second: InboxEvent, accepted: bool
) -> None:
    assert store.enqueue_inbox(first, now=NOW) is True
    assert store.enqueue_inbox(second, now=LATER) is accepted


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (_event("", "d"), "inbox event_key: expected a non-empty string"),
        (InboxEvent("", "k", "comment", {}), "inbox event k: forge: expected a non-empty"),
        (InboxEvent("gitea", "k", "comment", {"x": object()}), "k: payload: not storable"),
    ],
    ids=["no-key", "no-forge", "bad-payload"],
)
def test_bad_inbox_events_are_refused(store: Store, event: InboxEvent, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        store.enqueue_inbox(event, now=NOW)
