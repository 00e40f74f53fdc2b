"""The API's OpenAPI document validates, and schemathesis, generating requests from it,
gets no server error and only answers that match the document (run in process against the
app on a loopback port, over a seeded store, with a bounded number of examples)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from urllib.request import urlopen

import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, given, settings

from bot.domain.commands import COMMANDS
from bot.settings import Settings
from bot.store import Store, migrate, open_engine, session_factory
from bot.web.app import build_web_app
from bot.web.openapi import document
from tests.fakes.dashboard import NOW, Seeded, seed_dashboard

SEEDED: list[Seeded] = []
CHECKS = (
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
)


@pytest.fixture(scope="module")
def api_url(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over a seeded store (hostile text included) served from another thread."""
    path = tmp_path_factory.mktemp("api") / "api.sqlite3"
    engine = open_engine(f"sqlite:///{path}")
    migrate(engine)
    store = Store(session_factory(engine))
    SEEDED.append(seed_dashboard(store, engine, hostile=True))
    app = build_web_app(settings, store, clock=lambda: NOW, commands=COMMANDS)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.run_until_complete(runner.cleanup())
        loop.close()
        engine.dispose()


@pytest.fixture(scope="module")
def api_schema(api_url: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{api_url}/api/v1/openapi.json")


def test_the_document_validates(api_schema: schemathesis.BaseSchema) -> None:
    api_schema.validate()
    assert {operation["operationId"] for item in document(commands=True)["paths"].values()
            for operation in item.values()} >= {"listChanges", "getChange", "overview"}


# schemathesis's own pytest plugin does not run under this pytest, so each operation's
# Hypothesis strategy is driven directly; the checks are the same.
@pytest.mark.parametrize("path", sorted(document(commands=True)["paths"]))
def test_no_server_error_and_answers_match_the_document(
    api_schema: schemathesis.BaseSchema, path: str
) -> None:
    operation = api_schema["/api/v1" + path.removeprefix("/api/v1")]["GET"]
    calls = []

    @given(case=operation.as_strategy())
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    def check(case: schemathesis.Case) -> None:
        calls.append(case.call_and_validate(checks=CHECKS).status_code)

    check()
    assert calls, f"no request was made for {path}"


def test_real_things_match_the_document(api_schema: schemathesis.BaseSchema) -> None:
    """Random ids find nothing (404): the seeded change and package must match too."""
    seeded = SEEDED[-1]
    for path, parameters in (
        ("/api/v1/changes/{change_id}", {"change_id": seeded.hostile_change}),
        ("/api/v1/packages/{name}", {"name": seeded.packages[0]}),
    ):
        case = api_schema[path]["GET"].Case(path_parameters=parameters)
        assert case.call_and_validate(checks=CHECKS).status_code == 200


def test_the_served_document_is_the_built_one(api_url: str) -> None:
    with urlopen(f"{api_url}/api/v1/openapi.json") as answer:  # loopback only
        assert json.load(answer) == document(commands=True)
