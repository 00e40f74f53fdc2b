"""Random deliveries never make the webhook parsers fail with anything but MalformedPayload:
arbitrary bytes, arbitrary JSON, and recorded samples with values swapped for odd ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.events import ForgeKind, MalformedPayload, read_delivery
from bot.ingest.events.codec import decode, encode
from bot.ingest.events.model import CommentEvent, PingEvent

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "webhooks" / "events"
CASES = sorted(
    (folder.name, path.name.removesuffix(".headers.json"))
    for folder in SAMPLES.iterdir()
    if folder.is_dir()
    for path in folder.glob("*.headers.json")
    if (folder / path.name.replace(".headers.json", ".json")).exists()
)
EVENT_NAMES = {
    ForgeKind.GITHUB: ("X-GitHub-Event", ["issue_comment", "pull_request", "push", "ping", "x"]),
    ForgeKind.GITLAB: ("X-Gitlab-Event", ["Note Hook", "Merge Request Hook", "Push Hook", "x"]),
    ForgeKind.GITEA: ("X-Gitea-Event", ["issue_comment", "pull_request", "push", "x"]),
    ForgeKind.PAGURE: ("X-Pagure-Topic", ["x"]),
}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
ODD = st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.just([]) | st.just({})


def _read(forge: ForgeKind, headers: dict[str, str], body: bytes) -> None:
    try:
        delivery = read_delivery(forge, headers, body)
    except MalformedPayload:
        return
    event = delivery.event
    if event is not None and not isinstance(event, PingEvent):
        assert event.identity
        assert decode(str(event.kind), encode(event)) == event
        if isinstance(event, CommentEvent):
            assert isinstance(event.body, str) and isinstance(event.author, str)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(list(ForgeKind)), st.data(), st.binary(max_size=200))
def test_arbitrary_bytes(forge: ForgeKind, data: st.DataObject, body: bytes) -> None:
    header, names = EVENT_NAMES[forge]
    _read(forge, {header: data.draw(st.sampled_from(names))}, body)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(list(ForgeKind)), st.data(), JSON)
def test_arbitrary_json(forge: ForgeKind, data: st.DataObject, document: Any) -> None:
    header, names = EVENT_NAMES[forge]
    if forge is ForgeKind.PAGURE and isinstance(document, dict):
        document["topic"] = data.draw(
            st.sampled_from(["git.receive", "pull-request.closed", "issue.comment.added",
                             "pull-request.comment.edited", "x"])
        )
    _read(forge, {header: data.draw(st.sampled_from(names))}, json.dumps(document).encode())


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            found += _paths(item, (*prefix, index))
    return found


def _replace(value: Any, path: tuple, new: Any) -> None:
    for part in path[:-1]:
        value = value[part]
    value[path[-1]] = new


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(CASES), st.data())
def test_recorded_samples_with_odd_values(case: tuple[str, str], data: st.DataObject) -> None:
    forge, name = case
    headers = json.loads((SAMPLES / forge / f"{name}.headers.json").read_text())
    document = json.loads((SAMPLES / forge / f"{name}.json").read_text())
    for _ in range(data.draw(st.integers(1, 4))):
        paths = _paths(document)
        if not paths:
            break
        _replace(document, data.draw(st.sampled_from(paths)), data.draw(ODD))
    _read(ForgeKind(forge), headers, json.dumps(document).encode())
