"""bot/store/digest_ledger.py: a digest goes to the SMTP server at most once per week and
recipient, across restarts, double-fired jobs and replicas."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.store import Store, StoreError, session_factory
from bot.store.records import DigestState

from .builders import NOW

WEEK = "2026-W10"
JDOE = "jdoe@example.org"
LEASE = timedelta(minutes=10)
MID = "<2026-W10.abc@bot.example.org>"


def _claim(store: Store, *, owner: str = "a", at=NOW, recipient: str = JDOE, week: str = WEEK,
           message_id: str = MID):
    return store.claim_digest(week, recipient, now=at, lease=LEASE, owner=owner,
                              message_id=message_id)


def test_a_digest_is_claimed_once_while_its_lease_holds(store: Store) -> None:
    first = _claim(store, owner="a")
    assert first is not None
    assert (first.message_id, first.lease_owner, first.attempts) == (MID, "a", 1)
    assert first.lease_expires_at == NOW + LEASE
    assert _claim(store, owner="b", at=NOW + LEASE - timedelta(seconds=1)) is None
    assert _claim(store, owner="b", recipient="asmith@example.org") is not None
    assert _claim(store, owner="b", week="2026-W11") is not None


def test_an_unfinished_claim_is_taken_over_after_its_lease_keeping_the_message_id(
    store: Store,
) -> None:
    _claim(store, owner="a")
    later = NOW + LEASE
    second = _claim(store, owner="b", at=later, message_id="<other@bot>")
    assert second is not None
    assert (second.message_id, second.lease_owner, second.attempts) == (MID, "b", 2)
    # the first holder lost it: it may neither mark it sending nor finish it
    assert store.mark_digest_sending(WEEK, JDOE, owner="a", now=later) is False
    assert store.finish_digest(WEEK, JDOE, owner="a", state=DigestState.FAILED, now=later) is False
    assert store.mark_digest_sending(WEEK, JDOE, owner="b", now=later) is True


def test_a_digest_being_sent_is_never_claimed_again(store: Store) -> None:
    _claim(store, owner="a")
    assert store.mark_digest_sending(WEEK, JDOE, owner="a", now=NOW) is True
    assert _claim(store, owner="b", at=NOW + timedelta(days=30)) is None
    # an attempt that broke off mid-data keeps the row in `sending`, with its error
    assert store.finish_digest(WEEK, JDOE, owner="a", state=DigestState.SENDING, now=NOW,
                               error="connection lost after DATA") is True
    [entry] = store.digest_entries(WEEK)
    assert (entry.state, entry.last_error) == (DigestState.SENDING, "connection lost after DATA")
    assert _claim(store, owner="b", at=NOW + timedelta(days=30)) is None


@pytest.mark.parametrize(
    ("ending", "claimable_again"),
    [(DigestState.SENT, False), (DigestState.FAILED, True)],
    ids=["sent", "failed"],
)
def test_only_a_failed_digest_can_be_claimed_again_at_once(
    store: Store, ending: DigestState, claimable_again: bool
) -> None:
    _claim(store, owner="a")
    if ending is DigestState.SENT:
        assert store.mark_digest_sending(WEEK, JDOE, owner="a", now=NOW)
    assert store.finish_digest(WEEK, JDOE, owner="a", state=ending, now=NOW,
                               error=None if ending is DigestState.SENT else "550 no such user")
    assert (_claim(store, owner="b") is not None) is claimable_again
    assert _claim(store, owner="c") is None


def test_the_ledger_reads_back_what_happened(store: Store) -> None:
    _claim(store, owner="a")
    store.mark_digest_sending(WEEK, JDOE, owner="a", now=NOW)
    store.finish_digest(WEEK, JDOE, owner="a", state=DigestState.SENT, now=NOW + timedelta(1))
    _claim(store, owner="a", recipient="asmith@example.org", message_id="<m2@bot>")
    sent, claimed = sorted(store.digest_entries(WEEK), key=lambda e: e.state != DigestState.SENT)
    assert (sent.recipient, sent.state, sent.message_id, sent.sent_at, sent.attempts) == (
        JDOE, DigestState.SENT, MID, NOW + timedelta(1), 1
    )
    assert (claimed.recipient, claimed.state, claimed.sent_at) == (
        "asmith@example.org", DigestState.CLAIMED, None
    )
    assert store.digest_entries("2026-W11") == []
    assert store.last_sent_digest_week(JDOE) == WEEK
    assert store.last_sent_digest_week("asmith@example.org") is None


def test_the_newest_sent_week_wins(store: Store) -> None:
    for week in ("2025-W52", "2026-W02", "2026-W01"):
        _claim(store, week=week)
        store.mark_digest_sending(week, JDOE, owner="a", now=NOW)
        store.finish_digest(week, JDOE, owner="a", state=DigestState.SENT, now=NOW)
    assert store.last_sent_digest_week(JDOE) == "2026-W02"


def test_finishing_needs_the_right_state(store: Store) -> None:
    assert store.finish_digest(WEEK, JDOE, owner="a", state=DigestState.SENT, now=NOW) is False
    _claim(store, owner="a")
    # `sent` only after `sending`: a message never handed over was not sent
    assert store.finish_digest(WEEK, JDOE, owner="a", state=DigestState.SENT, now=NOW) is False
    with pytest.raises(StoreError, match="cannot finish as claimed"):
        store.finish_digest(WEEK, JDOE, owner="a", state=DigestState.CLAIMED, now=NOW)


@pytest.mark.parametrize("week", ["2026-10", "2026-W00", "2026-W54", "26-W10", "2026-w10"],
                         ids=["no-w", "week-zero", "week-54", "short-year", "lowercase"])
def test_digest_weeks_must_be_iso_weeks(store: Store, week: str) -> None:
    with pytest.raises(StoreError, match="expected an ISO week like 2026-W05"):
        _claim(store, week=week)


def test_a_lease_must_be_positive(store: Store) -> None:
    with pytest.raises(StoreError, match="lease must be positive"):
        store.claim_digest(WEEK, JDOE, now=NOW, lease=timedelta(0), owner="a", message_id=MID)


def test_replicas_claiming_at_once_get_each_digest_once(store_engine: Engine) -> None:
    """Eight senders on their own connections race for the same 20 digests, twice over:
    once fresh, once after every lease expired."""
    recipients = [f"owner{n}@example.org" for n in range(20)]
    stores = [Store(session_factory(store_engine)) for _ in range(8)]

    def race(at) -> list[str]:
        def claim_all(index: int) -> list[str]:
            won = []
            for recipient in recipients:
                if _claim(stores[index], owner=f"r{index}", at=at, recipient=recipient):
                    won.append(recipient)
            return won

        with ThreadPoolExecutor(max_workers=8) as pool:
            return [r for won in pool.map(claim_all, range(8)) for r in won]

    assert sorted(race(NOW)) == sorted(recipients)
    assert race(NOW + LEASE / 2) == []
    assert sorted(race(NOW + LEASE)) == sorted(recipients)
    entries = stores[0].digest_entries(WEEK)
    assert {entry.attempts for entry in entries} == {2}
