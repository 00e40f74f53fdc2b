"""bot/store/operations.py: each action, inbox event and digest happens once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import Store, StoreError
from bot.store.records import ActionRecord, ActionState, DigestState, InboxEvent

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


def test_a_digest_is_claimed_once_per_week_and_recipient(store: Store) -> None:
    claims = [
        store.claim_digest("2026-W10", "jdoe@example.org", now=NOW),
        store.claim_digest("2026-W10", "jdoe@example.org", now=LATER),
        store.claim_digest("2026-W10", "asmith@example.org", now=NOW),
        store.claim_digest("2026-W11", "jdoe@example.org", now=NOW),
    ]
    assert claims == [True, False, True, True]


@pytest.mark.parametrize(
    ("ending", "claimable_again"),
    [(DigestState.SENT, False), (DigestState.FAILED, True)],
    ids=["sent", "failed"],
)
def test_only_a_failed_digest_can_be_claimed_again(
    store: Store, ending: DigestState, claimable_again: bool
) -> None:
    store.claim_digest("2026-W10", "jdoe@example.org", now=NOW)
    store.finish_digest("2026-W10", "jdoe@example.org", state=ending, now=LATER,
                        message_id="<digest-2026-W10@bot>")
    assert store.claim_digest("2026-W10", "jdoe@example.org", now=LATER) is claimable_again
    assert store.claim_digest("2026-W10", "jdoe@example.org", now=LATER) is False


@pytest.mark.parametrize("week", ["2026-10", "2026-W00", "2026-W54", "26-W10", "2026-w10"],
                         ids=["no-w", "week-zero", "week-54", "short-year", "lowercase"])
def test_digest_weeks_must_be_iso_weeks(store: Store, week: str) -> None:
    with pytest.raises(StoreError, match="expected an ISO week like 2026-W05"):
        store.claim_digest(week, "jdoe@example.org", now=NOW)


def test_finishing_an_unclaimed_digest_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="not claimed; claim_digest first"):
        store.finish_digest("2026-W10", "jdoe@example.org", state=DigestState.SENT, now=NOW)
