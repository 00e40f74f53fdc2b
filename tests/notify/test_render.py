"""bot/notify/render.py and message.py: what a forge user wrote stays inert in both parts,
and the message has the structure and headers a list mail needs."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from bot.domain.digest import owner_digest, project_digest
from bot.domain.digest_input import DigestInputs
from bot.domain.digest_view import build_view
from bot.domain.model import Status
from bot.notify.links import Dashboard
from bot.notify.message import (
    Envelope,
    MessageError,
    bare_address,
    build_message,
    digest_message_id,
)
from bot.notify.render import Branding, Renderer, plain, web_url
from tests.domain.test_digest import FEDORA, HOSTILE, INPUTS, REFERENCES, WINDOW, pair

INJECTED = "evil.patch\r\nBcc: victim@example.org\n\nFAKE SECTION\u2028more"
RENDERER = Renderer(
    dashboard=Dashboard("https://bot.example.org"),
    branding=Branding("AlmaLinux", "upstream-bot", "mailto:bot@example.org?subject=unsubscribe"),
)


def _inputs() -> DigestInputs:
    extra = (
        pair("x1", FEDORA, Status.PENDING, name=INJECTED, owner="jonas", package="shim"),
        pair("x2", FEDORA, Status.SUBMITTED, owner="jonas", url="javascript:alert(1)",
             evidence={"needs": "<b>a ticket</b>", "command": "/upstream jira <ticket>"}),
    )
    return DigestInputs(pairs=INPUTS.pairs + extra, steps=INPUTS.steps,
                        snapshots=INPUTS.snapshots, scan_runs=INPUTS.scan_runs,
                        stale=INPUTS.stale, dead_events=INPUTS.dead_events,
                        dead_examples=INPUTS.dead_examples,
                        tracking_issues=INPUTS.tracking_issues)


@pytest.fixture(scope="module")
def rendered():
    inputs = _inputs()
    view = build_view(inputs, WINDOW, required_references=REFERENCES)
    return {
        "jonas": RENDERER.owner(owner_digest(view, "jonas")),
        "mira": RENDERER.owner(owner_digest(view, "mira")),
        "nobody": RENDERER.owner(owner_digest(view, "nobody")),
        "project": RENDERER.project(project_digest(view, inputs, zone=UTC)),
    }


def test_html_escapes_what_forge_users_wrote(rendered) -> None:
    html = rendered["jonas"].html + rendered["project"].html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>a ticket</b>" not in html and "&lt;b&gt;a ticket&lt;/b&gt;" in html
    assert 'href="javascript' not in html
    assert "<img src=x" not in html


def test_the_text_part_keeps_every_value_on_its_own_line(rendered) -> None:
    text = rendered["jonas"].text
    lines = text.splitlines()
    assert "evil.patch Bcc: victim@example.org FAKE SECTION more" in text
    assert "javascript:" not in text
    assert not any(line.startswith(("Bcc:", "FAKE SECTION", "more")) for line in lines)
    assert HOSTILE in rendered["jonas"].text  # plain text shows it as it is, inert


def test_the_owner_text_tells_what_to_do(rendered) -> None:
    text = rendered["mira"].text
    assert "Pending, oldest first (1)" in text
    assert 'write "/upstream submit centos-stream" on the tracking issue:' in text
    assert "https://git.example.org/rpms/bash/issues/1" in text
    assert "rejected in fedora" in text and "why: closed" in text
    jonas = rendered["jonas"].text
    assert "centos-stream needs a Resolves: RHEL-[0-9]+ reference" in jonas
    assert '"/upstream submit fedora" once the bot opened the tracking issue' in jonas
    assert rendered["mira"].subject == "[upstream-bot] 2026-W10: 1 change waits on you"
    assert rendered["nobody"].subject == "[upstream-bot] 2026-W10: nothing waits on you"
    assert "Nothing waits on you" in rendered["nobody"].text


def test_the_project_text_has_totals_trend_and_health(rendered) -> None:
    text = rendered["project"].text
    assert "week 2026-W10 (2026-03-02 to 2026-03-08)" in text
    assert "2026-W08   no scan this week" in text
    assert "2026-W10           3          2          3          1" in text
    assert "Scan runs this week: 3, 1 failed, 1 partial." in text
    assert "Inbox events given up on: 2" in text
    [image] = rendered["project"].images
    assert f'src="cid:{image.cid}"' in rendered["project"].html


@pytest.mark.parametrize(
    ("value", "expected"),
    [("https://x.example.org/a", "https://x.example.org/a"), ("HTTP://x", "HTTP://x"),
     ("javascript:alert(1)", None), ("data:text/html,x", None), (None, None),
     ("https://x\n.example.org", None)],
)
def test_only_web_links_become_links(value, expected) -> None:
    assert web_url(value) == expected


def test_plain_cuts_very_long_values() -> None:
    assert len(plain("x" * 1000)) == 300
    assert plain(None) == ""


def _envelope(**overrides) -> Envelope:
    values = {
        "sender": "AlmaLinux upstream-bot <bot@example.org>", "recipient": "mira@example.org",
        "message_id": digest_message_id("2026-W10", "mira@example.org", kind="owner",
                                        sender="bot@example.org"),
        "date": datetime(2026, 3, 9, 8, 0, tzinfo=UTC),
        "list_id": "owner.upstream-digest.example.org", "list_name": "AlmaLinux digest",
        "unsubscribe": "mailto:bot@example.org?subject=unsubscribe",
    }
    return Envelope(**{**values, **overrides})


def test_the_message_is_alternative_text_then_related_html_with_its_image(rendered) -> None:
    message = build_message(rendered["project"], _envelope())
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    text, related = parsed.get_payload()
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, image = related.get_payload()
    assert html.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == f"<{rendered['project'].images[0].cid}>"
    assert image.get_content().startswith(b"\x89PNG")
    assert parsed["Date"] == "Mon, 09 Mar 2026 08:00:00 +0000"
    assert parsed["List-Id"] == "AlmaLinux digest <owner.upstream-digest.example.org>"
    assert parsed["List-Unsubscribe"] == "<mailto:bot@example.org?subject=unsubscribe>"
    assert parsed["Auto-Submitted"] == "auto-generated"


def test_an_owner_message_has_no_related_part(rendered) -> None:
    parsed = message_from_bytes(build_message(rendered["mira"], _envelope()).as_bytes(),
                                policy=policy.default)
    assert [p.get_content_type() for p in parsed.get_payload()] == ["text/plain", "text/html"]


def test_message_ids_are_stable_per_week_kind_and_address() -> None:
    one = digest_message_id("2026-W10", "Mira <MIRA@example.org>", kind="owner",
                            sender="bot@example.org")
    assert one == digest_message_id("2026-W10", "mira@example.org", kind="owner",
                                    sender="Bot <bot@example.org>")
    assert one != digest_message_id("2026-W11", "mira@example.org", kind="owner",
                                    sender="bot@example.org")
    assert one != digest_message_id("2026-W10", "mira@example.org", kind="project",
                                    sender="bot@example.org")
    assert one.startswith("<2026-W10.owner.") and one.endswith("@example.org>")


@pytest.mark.parametrize("recipient", ["mira@example.org\r\nBcc: victim@example.org",
                                       "mira@example.org\nX-Evil: 1"])
def test_a_header_with_a_line_break_is_refused(rendered, recipient: str) -> None:
    with pytest.raises(MessageError):
        build_message(rendered["mira"], _envelope(recipient=recipient))
    with pytest.raises(MessageError):
        bare_address(recipient)
