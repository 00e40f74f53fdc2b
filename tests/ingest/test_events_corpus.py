"""The webhook parsers read every real delivery of the shared corpus (`../shared/corpus/forges`):
comments, pull/merge request state changes, pushes and pings of GitHub, GitLab, Gitea/Forgejo
and Pagure, recorded from the forges themselves or their documentation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.ingest.events import (
    ChangeStateEvent,
    CommentEvent,
    ForgeKind,
    PingEvent,
    PushEvent,
    read_delivery,
)
from bot.ingest.signatures import verify_pagure

pytestmark = pytest.mark.corpus

#: corpus file → the event name its forge's header would carry (GitLab and GitHub samples
#: mostly come without their request headers)
GITLAB_EVENTS = {"note": "Note Hook", "merge_request": "Merge Request Hook", "push": "Push Hook"}
#: (forge folder, file) → the event type it must read as; None: ignored on purpose
EXPECTED = {
    ("github", "issue_comment.created.issue.json"): CommentEvent,
    ("github", "issue_comment.edited.issue.json"): CommentEvent,
    ("github", "issue_comment.created.pull_request.json"): CommentEvent,
    ("github", "issue_comment.created.pull_request.prow.json"): CommentEvent,
    ("github", "pull_request.opened.json"): ChangeStateEvent,
    ("github", "pull_request.opened.packit.json"): ChangeStateEvent,
    ("github", "pull_request.closed.unmerged.json"): ChangeStateEvent,
    ("github", "pull_request.closed.merged.json"): ChangeStateEvent,
    ("github", "push.branch-created.json"): PushEvent,
    ("github", "push.tag-deleted.json"): PushEvent,
    ("github", "push.branch-force-updated.json"): PushEvent,
    ("github", "ping.json"): PingEvent,
    ("gitlab", "note.merge_request.json"): CommentEvent,
    ("gitlab", "note.merge_request.gitlab-com.json"): CommentEvent,
    ("gitlab", "note.issue.json"): CommentEvent,
    ("gitlab", "note.issue.gitlab-com.json"): CommentEvent,
    ("gitlab", "merge_request.open.json"): ChangeStateEvent,
    ("gitlab", "merge_request.close.json"): ChangeStateEvent,
    ("gitlab", "merge_request.merge.json"): ChangeStateEvent,
    ("gitlab", "merge_request.update.json"): None,
    ("gitlab", "push.json"): PushEvent,
    ("gitlab", "push.gitlab-com.json"): PushEvent,
    ("gitea", "gitea.issue_comment.issue.json"): CommentEvent,
    ("gitea", "gitea.issue_comment.pull_request.json"): CommentEvent,
    ("gitea", "gitea.pull_request.opened.json"): ChangeStateEvent,
    ("gitea", "gitea.pull_request.closed.json"): ChangeStateEvent,
    ("gitea", "gitea.pull_request.merged.json"): ChangeStateEvent,
    ("gitea", "gitea.push.json"): PushEvent,
    ("gitea", "forgejo.issue_comment.issue.json"): CommentEvent,
    ("gitea", "forgejo.issue_comment.pull_request.json"): CommentEvent,
    ("gitea", "forgejo.pull_request.synchronized.json"): None,
    ("gitea", "forgejo.push.json"): PushEvent,
    ("pagure", "pull-request.comment.added.json"): CommentEvent,
    ("pagure", "pull-request.new.json"): ChangeStateEvent,
    ("pagure", "pull-request.closed.merged.json"): ChangeStateEvent,
    ("pagure", "pull-request.closed.unmerged.json"): ChangeStateEvent,
    ("pagure", "git.receive.json"): PushEvent,
}


def _headers(corpus: Path, forge: str, name: str) -> dict[str, str]:
    path = corpus / "forges" / forge / name.replace(".json", ".headers.json")
    headers = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    lowered = {key.lower() for key in headers}
    kind = name.split(".")[0]
    if forge == "github":
        headers.setdefault("X-GitHub-Event", kind)
    elif forge == "gitlab" and "x-gitlab-event" not in lowered:
        headers["X-Gitlab-Event"] = GITLAB_EVENTS[kind]
    elif forge == "gitea" and "x-gitea-event" not in lowered:
        headers["X-Gitea-Event"] = name.split(".")[1]
    return headers


@pytest.mark.parametrize(("forge", "name"), sorted(EXPECTED), ids=lambda v: v)
def test_every_recorded_delivery_reads_as_its_event(corpus: Path, forge: str, name: str) -> None:
    body = (corpus / "forges" / forge / name).read_bytes()
    delivery = read_delivery(ForgeKind(forge), _headers(corpus, forge, name), body)
    wanted = EXPECTED[(forge, name)]
    if wanted is None:
        assert delivery.event is None and delivery.ignored
    else:
        assert isinstance(delivery.event, wanted), delivery.ignored


def test_the_forgejo_delivery_names_its_delivery_and_thread(corpus: Path) -> None:
    """A real Forgejo delivery (lower-case headers) names its delivery and its thread."""
    name = "forgejo.issue_comment.pull_request.json"
    headers = _headers(corpus, "gitea", name)
    body = (corpus / "forges" / "gitea" / name).read_bytes()
    delivery = read_delivery(ForgeKind.GITEA, headers, body)
    assert delivery.delivery_id == headers["x-forgejo-delivery"]
    event = delivery.event
    assert isinstance(event, CommentEvent)
    thread = event.thread
    assert (thread.repo, thread.number, thread.kind, event.author) == (
        "infra/ansible", 3366, "change", "kparal"
    )


def test_the_pagure_unit_test_envelope_verifies_with_its_key(corpus: Path) -> None:
    folder = corpus / "forges" / "pagure"
    body = (folder / "webhook.envelope.pagure-unit-test.body").read_bytes()
    headers = json.loads((folder / "webhook.envelope.pagure-unit-test.headers.json").read_text())
    assert verify_pagure("aaabbbccc", body, headers)
    delivery = read_delivery(ForgeKind.PAGURE, headers, body)
    assert delivery.delivery_id == "2018-not_so_random"
    assert delivery.event is None  # its topic is "topic": no event the bot handles


def test_github_form_encoded_ping(corpus: Path) -> None:
    folder = corpus / "forges" / "github"
    headers = json.loads((folder / "ping.form-urlencoded.headers.json").read_text())
    body = (folder / "ping.form-urlencoded.body").read_bytes()
    headers.setdefault("X-GitHub-Event", "ping")
    assert isinstance(read_delivery(ForgeKind.GITHUB, headers, body).event, PingEvent)
