"""bot/ingest/events: each forge's recorded deliveries read into typed events (or ignored, or
refused as malformed), their identities, and the inbox codec's round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest.events import (
    ChangeAction,
    ChangeStateEvent,
    CommentAction,
    CommentEvent,
    ForgeKind,
    MalformedPayload,
    PingEvent,
    PushEvent,
    ThreadKind,
    read_delivery,
)
from bot.ingest.events.codec import decode, encode

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "webhooks" / "events"


def sample(forge: str, case: str, *, body_name: str | None = None) -> tuple[dict, bytes]:
    headers = json.loads((SAMPLES / forge / f"{case}.headers.json").read_text(encoding="utf-8"))
    body = (SAMPLES / forge / (body_name or f"{case}.json")).read_bytes()
    return headers, body


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


#: (forge, sample, what it must read as): comment = (thread kind, repo, number, comment id,
#: author, action, body's first command line, created at)
COMMENTS = [
    ("gitea", "issue_comment.created.issue",
     (ThreadKind.ISSUE, "rpms/bash", 4, "530114", "packager", CommentAction.CREATED,
      "/upstream submit fedora", "2026-05-04T09:15:02")),
    ("gitea", "issue_comment.created.pull_request",
     (ThreadKind.CHANGE, "rpms/bash", 9, "530201", "maintainer", CommentAction.CREATED,
      "/upstream status", "2026-05-04T10:01:00")),
    ("gitea", "issue_comment.edited.issue",
     (ThreadKind.ISSUE, "rpms/bash", 4, "530114", "packager", CommentAction.EDITED,
      "/upstream submit fedora", "2026-05-04T09:15:02")),
    ("gitlab", "note.merge_request",
     (ThreadKind.CHANGE, "redhat/centos-stream/rpms/bash", 112, "2489001733", "packager",
      CommentAction.CREATED, "/upstream jira RHEL-81234", "2026-05-04T12:30:00")),
    ("gitlab", "note.issue",
     (ThreadKind.ISSUE, "redhat/centos-stream/rpms/bash", 31, "2489001799", "packager",
      CommentAction.CREATED, "/upstream status", "2026-05-04T13:00:00")),
    ("gitlab", "note.merge_request.updated",
     (ThreadKind.CHANGE, "redhat/centos-stream/rpms/bash", 112, "2489001733", "packager",
      CommentAction.EDITED, "/upstream jira RHEL-81235", "2026-05-04T12:30:00")),
    ("github", "issue_comment.created.pull_request",
     (ThreadKind.CHANGE, "rhboot/efi-rpm-macros", 4, "2890012345", "packager",
      CommentAction.CREATED, "/upstream snooze 8w", "2026-05-04T14:00:00")),
    ("github", "issue_comment.created.issue",
     (ThreadKind.ISSUE, "rhboot/efi-rpm-macros", 7, "2890012399", "packager",
      CommentAction.CREATED, "/upstream help", "2026-05-04T14:00:00")),
    ("github", "issue_comment.edited.pull_request",
     (ThreadKind.CHANGE, "rhboot/efi-rpm-macros", 4, "2890012345", "packager",
      CommentAction.EDITED, "/upstream snooze 12w", "2026-05-04T14:00:00")),
    ("pagure", "pull-request.comment.added",
     (ThreadKind.CHANGE, "rpms/bash", 57, "201077", "packager", CommentAction.CREATED,
      "/upstream status", "2025-05-04T12:00:00")),
    ("pagure", "pull-request.comment.edited",
     (ThreadKind.CHANGE, "rpms/bash", 57, "201077", "packager", CommentAction.EDITED,
      "/upstream status", "2025-05-04T12:00:00")),
    ("pagure", "issue.comment.added",
     (ThreadKind.ISSUE, "rpms/bash", 12, "301001", "packager", CommentAction.CREATED,
      "/upstream help", "2025-05-04T14:46:40")),
]

STATES = [
    ("gitea", "pull_request.closed.merged", ("rpms/bash", 9, ChangeAction.MERGED, "maintainer")),
    ("gitea", "pull_request.opened", ("rpms/bash", 9, ChangeAction.OPENED, "packager")),
    ("gitlab", "merge_request.merge",
     ("redhat/centos-stream/rpms/bash", 112, ChangeAction.MERGED, "stream-maintainer")),
    ("github", "pull_request.closed.merged",
     ("rhboot/efi-rpm-macros", 4, ChangeAction.MERGED, "vathpela")),
    ("github", "pull_request.opened",
     ("rhboot/efi-rpm-macros", 4, ChangeAction.OPENED, "upstream-bot")),
    ("pagure", "pull-request.closed.merged",
     ("rpms/bash", 57, ChangeAction.MERGED, "fedora-maintainer")),
    ("pagure", "pull-request.new", ("rpms/bash", 57, ChangeAction.OPENED, "upstream-bot")),
]

PUSHES = [
    ("gitea", "push", ("rpms/bash", "a10s", "e5" * 20, "d4" * 20, "autopatch")),
    ("gitlab", "push",
     ("redhat/centos-stream/rpms/bash", "c10s", "17" * 20, "28" * 20, "stream-maintainer")),
    ("github", "push",
     ("upstream-bot/efi-rpm-macros", "upstream-bot/9c1d", "6d" * 20, "8b" * 20, "upstream-bot")),
    ("pagure", "git.receive", ("rpms/bash", "rawhide", "bc" * 20, "cd" * 20, "fedora-maintainer")),
]

IGNORED = [
    ("gitea", "issues.opened", "issues"),
    ("gitlab", "note.merge_request.system", "system note"),
    ("gitlab", "merge_request.update", "'update'"),
    ("gitlab", "pipeline", "Pipeline Hook"),
    ("github", "pull_request.synchronize", "'synchronize'"),
    ("github", "star.created", "'star'"),
    ("pagure", "issue.tag.added", "issue.tag.added"),
]


def _ids(cases: list) -> list[str]:
    return [f"{forge}-{case}" for forge, case, _ in cases]


@pytest.mark.parametrize(("forge", "case", "expected"), COMMENTS, ids=_ids(COMMENTS))
def test_comments(forge: str, case: str, expected: tuple) -> None:
    delivery = read_delivery(ForgeKind(forge), *sample(forge, case))
    event = delivery.event
    assert isinstance(event, CommentEvent), delivery.ignored
    kind, repo, number, comment_id, author, action, command, created = expected
    assert (event.thread.kind, event.thread.repo, event.thread.number) == (kind, repo, number)
    assert (event.comment_id, event.author, event.action) == (comment_id, author, action)
    assert command in event.body.splitlines()
    assert event.created_at == _at(created)
    assert event.thread.url and str(number) in event.thread.url
    assert decode(str(event.kind), encode(event)) == event


@pytest.mark.parametrize(("forge", "case", "expected"), STATES, ids=_ids(STATES))
def test_change_states(forge: str, case: str, expected: tuple) -> None:
    event = read_delivery(ForgeKind(forge), *sample(forge, case)).event
    assert isinstance(event, ChangeStateEvent)
    assert (event.thread.repo, event.thread.number, event.action, event.actor) == expected
    assert event.thread.kind is ThreadKind.CHANGE
    assert event.updated_at is not None
    assert decode(str(event.kind), encode(event)) == event


@pytest.mark.parametrize(("forge", "case", "expected"), PUSHES, ids=_ids(PUSHES))
def test_pushes(forge: str, case: str, expected: tuple) -> None:
    event = read_delivery(ForgeKind(forge), *sample(forge, case)).event
    assert isinstance(event, PushEvent)
    assert (event.repo, event.branch, event.before, event.after, event.pusher) == expected
    assert decode(str(event.kind), encode(event)) == event


@pytest.mark.parametrize(("forge", "case", "why"), IGNORED, ids=_ids(IGNORED))
def test_events_the_bot_does_not_handle_are_ignored_with_a_reason(forge, case, why) -> None:
    delivery = read_delivery(ForgeKind(forge), *sample(forge, case))
    assert delivery.event is None
    assert why in (delivery.ignored or "")


def test_delivery_ids_come_from_each_forges_own_header_or_envelope() -> None:
    found = {
        forge: read_delivery(ForgeKind(forge), *sample(forge, case)).delivery_id
        for forge, case in [
            ("gitea", "push"),
            ("gitlab", "push"),
            ("github", "push"),
            ("pagure", "git.receive"),
        ]
    }
    assert found == {
        "gitea": "1f0a6c3e-52b7-4c9e-9a1d-5a1b0e9e2c06",
        "gitlab": "4d5e6f70-8192-43a4-b5c6-000000000007",  # Idempotency-Key
        "github": "5e2f7a10-28f1-11f1-8a3d-1c6b1e2d3f47",
        "pagure": "2026-8a3c1f0e-64a1-4d4f-9e2b-3c4d5e6f7a06",  # msg_id
    }


def test_github_ping_in_json_and_in_form_encoding() -> None:
    for body_name in ("ping.json", "ping.form.body"):
        headers, body = sample("github", "ping" if body_name == "ping.json" else "ping.form",
                               body_name=body_name)
        assert read_delivery(ForgeKind.GITHUB, headers, body).event == PingEvent("512345678")


def test_a_comment_and_its_edit_have_different_identities_and_replays_the_same() -> None:
    created = read_delivery(ForgeKind.GITEA, *sample("gitea", "issue_comment.created.issue")).event
    edited = read_delivery(ForgeKind.GITEA, *sample("gitea", "issue_comment.edited.issue")).event
    assert created.identity == "comment:rpms/bash:issue:4:530114:created"
    assert edited.identity == "comment:rpms/bash:issue:4:530114:edited:20260504T092040Z"
    headers, body = sample("gitea", "issue_comment.created.issue")
    replay = read_delivery(ForgeKind.GITEA, {**headers, "X-Gitea-Delivery": "another"}, body)
    assert replay.event.identity == created.identity
    assert replay.delivery_id == "another"


def test_forgejo_headers_alone_are_understood() -> None:
    _, body = sample("gitea", "push")
    forgejo = {
        "X-Forgejo-Event": "push",
        "X-Forgejo-Event-Type": "push",
        "X-Forgejo-Delivery": "f-1",
    }
    delivery = read_delivery(ForgeKind.GITEA, forgejo, body)
    assert isinstance(delivery.event, PushEvent)
    assert delivery.delivery_id == "f-1"


@pytest.mark.parametrize(
    ("forge", "headers", "body", "says"),
    [
        (ForgeKind.GITHUB, {}, b"{}", "X-GitHub-Event"),
        (ForgeKind.GITHUB, {"X-GitHub-Event": "push"}, b"not json", "not JSON"),
        (ForgeKind.GITHUB, {"X-GitHub-Event": "push"}, b"[1, 2]", "not a JSON object"),
        (ForgeKind.GITHUB, {"X-GitHub-Event": "push"},
         b'{"ref": 5, "repository": {"full_name": "o/r"}}', "ref: expected text"),
        (ForgeKind.GITLAB, {"X-Gitlab-Event": "Note Hook"}, b'{"object_attributes": {}}',
         "noteable_type"),
        (ForgeKind.GITEA, {"X-Gitea-Event": "issue_comment"},
         b'{"action": "created", "issue": {"number": "x"}, "repository": {"full_name": "o/r"}}',
         "issue.number"),
        (ForgeKind.PAGURE, {}, b'{"topic": "pull-request.comment.added", "msg": {}}',
         "msg.pullrequest"),
        (ForgeKind.PAGURE, {}, json.dumps({"topic": "issue.comment.added", "msg": {
            "project": {"fullname": "rpms/bash"}, "issue": {"id": 1, "comments": []}}}).encode(),
         "no comments"),
        (ForgeKind.GITHUB, {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "x" * 300}, b"{}",
         "not an id"),
    ],
    ids=["no-event", "not-json", "not-object", "wrong-type", "gitlab-note", "gitea-number",
         "pagure-no-pr", "pagure-empty-thread", "long-delivery-id"],
)
def test_malformed_deliveries_say_what_is_wrong(forge, headers, body, says) -> None:
    with pytest.raises(MalformedPayload, match=says):
        read_delivery(forge, headers, body)


def test_timestamps_of_every_spelling_read_as_utc() -> None:
    from bot.ingest.events.fields import parse_time

    expected = datetime(2015, 5, 17, 17, 6, 40, tzinfo=UTC)
    for spelling in ("2015-05-17 17:06:40 UTC", "2015-05-17T17:06:40Z",
                     "2015-05-17T19:06:40+02:00", "1431882400", 1431882400):
        assert parse_time(spelling) == expected, spelling
    for nonsense in ("yesterday", "", None, True, "9" * 40, {"a": 1}):
        assert parse_time(nonsense) is None
