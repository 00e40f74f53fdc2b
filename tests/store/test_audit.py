"""bot/store/audit.py and threads.py: commands claimed once, every outcome logged; what a
thread URL is about."""

from __future__ import annotations

import pytest

from bot.domain.model import Status, Target
from bot.store import Store, StoreError
from bot.store.audit import Claim
from bot.store.records import ActionRecord, ActionState
from bot.store.threads import ThreadLink

from .builders import NOW, change, with_branch

ISSUE = "http://127.0.0.1:3000/rpms/bash/issues/4"
MR = "https://gitlab.com/redhat/centos-stream/rpms/bash/-/merge_requests/7"


def test_a_command_key_is_claimed_once(store: Store) -> None:
    chatops = store.chatops
    claim = {"actor": "alice", "location": ISSUE, "command": "/upstream skip x", "now": NOW,
             "holder": "gitea:comment:1:created"}
    assert chatops.claim_command("gitea:1:1", **claim) is Claim.NEW
    assert chatops.claim_command("gitea:1:1", **{**claim, "holder": "gitea:other"}) is None
    chatops.finish_command("gitea:1:1", outcome="skipped 2 changes")
    assert chatops.claim_command("gitea:1:1", **claim) is None  # finished: nobody reruns it
    (entry,) = chatops.audit_entries()
    assert (entry.actor, entry.location, entry.command, entry.outcome) == (
        "alice", ISSUE, "/upstream skip x", "skipped 2 changes"
    )


def test_a_released_command_can_be_claimed_again_and_keeps_its_entry(store: Store) -> None:
    chatops = store.chatops
    claim = {"actor": "alice", "location": ISSUE, "command": "/upstream refresh", "now": NOW,
             "holder": "gitea:comment:1:created"}
    chatops.claim_command("k", **claim)
    chatops.release_command("k", outcome="interrupted: forge unavailable; will retry")
    assert chatops.claim_command("k", **{**claim, "holder": "gitea:other"}) is Claim.NEW
    chatops.finish_command("k", outcome="refresh requested")
    outcomes = sorted(e.outcome for e in chatops.audit_entries())
    assert outcomes == ["interrupted: forge unavailable; will retry", "refresh requested"]


def test_an_unfinished_claim_is_taken_over_by_its_holder_only(store: Store) -> None:
    """A worker died mid-command: the retry of its event resumes it, nobody else does."""
    chatops = store.chatops
    claim = {"actor": "alice", "location": ISSUE, "command": "/upstream status", "now": NOW,
             "holder": "gitea:comment:1:created"}
    assert chatops.claim_command("k", **claim) is Claim.NEW
    assert chatops.claim_command("k", **{**claim, "holder": "gitea:comment:1:edited:2"}) is None
    assert chatops.claim_command("k", **claim) is Claim.RESUMED
    chatops.finish_command("k", outcome="done: status")
    assert chatops.claim_command("k", **claim) is None
    (entry,) = chatops.audit_entries()
    assert entry.outcome == "done: status"


def test_finishing_an_unclaimed_command_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="not claimed"):
        store.chatops.finish_command("nope", outcome="x")


def test_unkeyed_entries_and_filters(store: Store) -> None:
    chatops = store.chatops
    chatops.audit(actor="mallory", location=ISSUE, command="/upstream skip", outcome="refused",
                  now=NOW)
    chatops.audit(actor="alice", location=ISSUE, command="/upstream help", outcome="help sent",
                  now=NOW)
    assert [e.actor for e in chatops.audit_entries(actor="mallory")] == ["mallory"]
    assert len(chatops.audit_entries(limit=1)) == 1


def test_a_thread_is_found_by_its_actions_or_target_urls(store: Store) -> None:
    with_branch(store)
    store.record_changes("bash", "a9", [change("c1"), change("c2")], now=NOW)
    store.record_action(
        ActionRecord(key="tracking-issue:bash", type="tracking-issue", payload={}), now=NOW
    )
    store.finish_action("tracking-issue:bash", state=ActionState.DONE, now=NOW, url=ISSUE)
    store.record_action(
        ActionRecord(
            key="open-change:x:centos-stream:c9s",
            type="open-change",
            target="centos-stream",
            payload={"change_id": "c1", "package": "bash", "target": "centos-stream"},
        ),
        now=NOW,
    )
    store.finish_action("open-change:x:centos-stream:c9s", state=ActionState.DONE, now=NOW,
                        url=MR)
    store.set_target_status("c2", Target.FEDORA, Status.SUBMITTED, reason="r", evidence={},
                            now=NOW, actor="t", url="https://src.example/rpms/bash/pull-request/3")
    chatops = store.chatops
    assert chatops.thread_link([ISSUE]) == ThreadLink("bash")
    assert chatops.thread_link(["nope", MR]) == ThreadLink("bash", "c1", Target.CENTOS_STREAM)
    assert chatops.thread_link(["https://src.example/rpms/bash/pull-request/3"]) == ThreadLink(
        "bash", "c2", Target.FEDORA
    )
    assert chatops.thread_link(["https://elsewhere/1"]) is None
    assert [c.record.id for c in chatops.package_changes("bash")] == ["c1", "c2"]
    states = chatops.states_of(["c1", "c2"])
    assert states["c1"] == []
    assert [(s.target, s.status) for s in states["c2"]] == [(Target.FEDORA, Status.SUBMITTED)]
