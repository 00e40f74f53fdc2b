"""The dashboard's pages and the operator's endpoints over a seeded store: the numbers they
show are the store's, filters and pages are query parameters, errors are clear."""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.store import Store, open_engine, session_factory
from bot.web.app import AccessLogger, build_web_app
from tests.fakes.dashboard import SCANS, Seeded
from tests.web.conftest import Site


def pending_by_target(seeded: Seeded, target: str) -> int:
    return seeded.pairs[(target, "pending")]


async def test_overview_counts_and_chart(site: Site) -> None:
    body = await (await site.client.get("/")).text()
    shown = dict(re.findall(r'data-status="([a-z-]+)">(\d+)<', body))
    assert {k: int(v) for k, v in shown.items()} == dict(site.seeded.by_status())
    assert body.count('<circle class="dot waiting"') == SCANS
    assert "<svg" in body and 'class="line merged"' in body
    data = await (await site.client.get("/api/v1/overview")).json()
    assert data["by_status"] == dict(site.seeded.by_status())
    assert [p["waiting"] for p in data["trend"]] == [
        counts["pending"] for counts in site.seeded.trend
    ]
    assert data["changes"] == len(site.seeded.changes)


async def test_filters_are_query_parameters(site: Site) -> None:
    seeded = site.seeded
    # status + target select changes having that status in that target
    data = await (await site.client.get("/api/v1/changes?status=pending&target=fedora")).json()
    assert data["total"] == pending_by_target(seeded, "fedora")
    assert all(any(c["target"] == "fedora" and c["status"] == "pending" for c in row["targets"])
               for row in data["items"])
    owners = await (await site.client.get("/api/v1/changes?owner=owner1&per_page=500")).json()
    assert owners["total"] == seeded.owners["owner1"]
    nobody = await (await site.client.get("/api/v1/changes?owner=-")).json()
    assert nobody["total"] == seeded.owners["-"]
    branch = await (await site.client.get("/api/v1/changes?package=pkg-01&branch=a9")).json()
    assert {(r["package"], r["branch"]) for r in branch["items"]} == {("pkg-01", "a9")}
    assert branch["total"] == 3
    search = await (await site.client.get("/api/v1/changes?q=FIX-2")).json()
    assert search["total"] == len(seeded.packages) * 2
    html = await (await site.client.get("/changes?status=pending&target=fedora")).text()
    assert f'<span id="total">{pending_by_target(seeded, "fedora")}</span>' in html
    assert '<option selected>fedora</option>' in html


async def test_pagination_keeps_the_filters(site: Site) -> None:
    total = len(site.seeded.changes)
    first = await (await site.client.get("/api/v1/changes?per_page=5")).json()
    assert (first["total"], first["pages"], len(first["items"])) == (total, -(-total // 5), 5)
    ids: list[str] = []
    for page in range(1, first["pages"] + 1):
        data = await (await site.client.get(f"/api/v1/changes?per_page=5&page={page}")).json()
        ids += [row["id"] for row in data["items"]]
    assert sorted(ids) == sorted(site.seeded.changes)
    html = await (await site.client.get("/changes?kind=bugfix&per_page=2")).text()
    assert 'rel="next" href="/changes?kind=bugfix&amp;per_page=2&amp;page=2"' in html
    beyond = await (await site.client.get("/api/v1/changes?page=999")).json()
    assert beyond["items"] == [] and beyond["total"] == total


async def test_package_change_and_owner_pages(site: Site) -> None:
    change = next(iter(site.seeded.changes))
    package, branch, name = site.seeded.changes[change]
    body = await (await site.client.get(f"/changes/{change}")).text()
    assert name in body and f"{package}</a> / {branch}" in body
    history = body.split('id="history"')[1].split("</ol>")[0]
    assert history.count("<li>") == site.seeded.transitions[change]
    detail = await (await site.client.get(f"/api/v1/changes/{change}")).json()
    assert len(detail["history"]) == site.seeded.transitions[change]
    page = await (await site.client.get(f"/packages/{package}")).text()
    assert f"https://git.example.org/rpms/{package}/issues/1" in page  # the tracking issue
    assert page.count("/changes/") >= 6
    owners = await (await site.client.get("/api/v1/owners")).json()
    assert Counter({o["owner"] or "-": o["changes"] for o in owners["owners"]}) == \
        site.seeded.owners
    assert (await site.client.get("/owners")).status == 200
    assert (await site.client.get("/commands")).status == 200
    assert (await site.client.get("/packages?order=waiting&q=pkg")).status == 200


async def test_errors_say_what_is_wrong(site: Site) -> None:
    bad = await site.client.get("/changes?status=sleeping")
    assert bad.status == 400
    assert "status: &#39;sleeping&#39; is not one of" in await bad.text()
    api = await site.client.get("/api/v1/changes?page=0")
    assert api.status == 400
    assert (await api.json())["error"].startswith("page: expected a whole number")
    missing = await site.client.get("/api/v1/changes/0000")
    assert (missing.status, (await missing.json())["error"]) == (404, "no change with id '0000'")
    assert (await site.client.get("/packages/nope")).status == 404
    assert (await site.client.get("/no/such/page")).status == 404
    wrong = await site.client.post("/changes")
    assert wrong.status == 405 and "GET" in wrong.headers["Allow"]


async def test_health_endpoints_and_metrics(site: Site) -> None:
    assert (await (await site.client.get("/healthz")).json()) == {"status": "alive"}
    ready = await site.client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["status"] == "ready"
    await site.client.get("/", headers={"X-Request-Id": "req-42"})
    metrics = await site.client.get("/metrics")
    assert metrics.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await metrics.text()
    assert 'upstream_bot_inbox_items{state="pending"} 1' in text
    assert "upstream_bot_inbox_oldest_pending_age_seconds 1800" in text
    assert 'upstream_bot_actions{type="tracking-issue",state="done"} 6' in text
    assert 'upstream_bot_actions{type="remind",state="failed"} 1' in text
    assert 'upstream_bot_http_requests_total{route="/",method="GET",status="200"} 1' in text
    fedora = pending_by_target(site.seeded, "fedora")
    assert f'upstream_bot_changes{{target="fedora",status="pending"}} {fedora}' in text
    assert "upstream_bot_database_up 1" in text
    assert "upstream_bot_last_scan_duration_seconds 180" in text


async def test_request_ids_and_security_headers(site: Site) -> None:
    answer = await site.client.get("/", headers={"X-Request-Id": "abc-123"})
    assert answer.headers["X-Request-Id"] == "abc-123"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    made = await site.client.get("/", headers={"X-Request-Id": "bad id; with <spaces>"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"])
    css = await site.client.get("/static/style.css")
    assert css.content_type == "text/css" and "--merged" in await css.text()


async def test_unmigrated_database_is_not_ready(settings: Settings, tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    app = build_web_app(settings, Store(session_factory(engine)))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        ready = await client.get("/readyz")
        body = await ready.json()
        assert ready.status == 503 and "run `upstream-bot migrate`" in body["error"]
        assert (await client.get("/healthz")).status == 200
        broken = await client.get("/api/v1/overview")
        assert broken.status == 503
        assert "upstream_bot_database_up 0" in await (await client.get("/metrics")).text()
    engine.dispose()


async def test_other_modules_routes_are_mounted_beside(settings: Settings, tmp_path: Path,
                                                       site: Site) -> None:
    hooks = web.RouteTableDef()

    @hooks.post("/webhooks/{forge}")
    async def receive(request: web.Request) -> web.Response:
        return web.json_response({"forge": request.match_info["forge"]}, status=202)

    app = build_web_app(settings, site.store, routes=[hooks])
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        answer = await client.post("/webhooks/gitea", headers={"X-Request-Id": "d-1"})
        assert answer.status == 202 and answer.headers["X-Request-Id"] == "d-1"
        assert (await client.get("/healthz")).status == 200
        text = await (await client.get("/metrics")).text()
        assert 'route="/webhooks/{forge}",method="POST",status="202"} 1' in text


async def test_the_access_log_carries_the_request_id(
    settings: Settings, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    app = build_web_app(settings, site.store)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(access_log_class=AccessLogger)
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        async with TestClient(server) as client:
            await client.get("/healthz", headers={"X-Request-Id": "probe-7"})
    (record,) = [r for r in caplog.records if r.name == "aiohttp.access"]
    assert (record.request_id, record.status, record.path) == ("probe-7", 200, "/healthz")
