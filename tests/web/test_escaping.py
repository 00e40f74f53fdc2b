"""Everything a forge user wrote (patch names, reasons, commit subjects, comments,
commands, user names) is text: escaped in HTML, plain string data in JSON."""

from __future__ import annotations

import json

import pytest

from tests.fakes.dashboard import SCRIPT
from tests.web.conftest import Site

ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


def pages(site: Site) -> list[str]:
    change = site.seeded.hostile_change
    return ["/", "/changes", f"/changes/{change}", "/packages/pkg-00", "/health", "/owners",
            f"/changes?q={SCRIPT}", f"/changes/{SCRIPT}", f"/packages/{SCRIPT}x"]


async def test_html_pages_escape_what_forge_users_wrote(hostile_site: Site) -> None:
    seen = 0
    for path in pages(hostile_site):
        response = await hostile_site.client.get(path)
        body = await response.text()
        assert "<script" not in body.lower(), path
        seen += body.count(ESCAPED)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    # patch name, reason, declared status, subject, action reason and subject, commands,
    # outcomes: each appears escaped somewhere
    assert seen >= 8


async def test_the_change_page_shows_each_hostile_field_as_text(hostile_site: Site) -> None:
    change = hostile_site.seeded.hostile_change
    body = await (await hostile_site.client.get(f"/changes/{change}")).text()
    for text in (f"{ESCAPED}.patch",                        # patch name
                 f"Upstream-Status: Pending {ESCAPED}",    # declared status line
                 f"Fix {ESCAPED}",                         # commit subject in evidence
                 f"/upstream jira RHEL-1 {ESCAPED}",        # a command someone wrote
                 f"forge said no {ESCAPED}"):              # an action's reason
        assert text in body, text
    package = await (await hostile_site.client.get("/packages/pkg-00")).text()
    assert "packager&lt;b&gt;" in package and f"skipped {ESCAPED}" in package


@pytest.mark.parametrize("path", ["/api/v1/overview", "/api/v1/changes", "/api/v1/health",
                                  "/api/v1/packages/pkg-00"])
async def test_json_carries_the_text_unchanged_and_never_as_markup(
    hostile_site: Site, path: str
) -> None:
    response = await hostile_site.client.get(path)
    raw = await response.text()
    assert response.content_type == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<" not in raw and ">" not in raw
    assert any(SCRIPT in text for text in strings(json.loads(raw))), path


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


async def test_the_change_as_json_holds_the_exact_strings(hostile_site: Site) -> None:
    change = hostile_site.seeded.hostile_change
    data = await (await hostile_site.client.get(f"/api/v1/changes/{change}")).json()
    assert data["row"]["name"] == f"{SCRIPT}.patch"
    assert data["evidence"]["subject"] == f"Fix {SCRIPT}"
    assert data["audit"][0]["command"] == f"/upstream jira RHEL-1 {SCRIPT}"
    assert any(SCRIPT in (t["reason"] or "") for t in data["history"])


async def test_a_script_url_is_never_a_link(hostile_site: Site) -> None:
    from bot.web.render import safe_link

    assert safe_link("javascript:alert(1)") is None
    assert safe_link("JaVaScRiPt:alert(1)") is None
    assert safe_link("data:text/html,<script>") is None
    assert safe_link("https://git.example.org/x") == "https://git.example.org/x"
    body = await (await hostile_site.client.get("/")).text()
    assert "javascript:" not in body.lower()
