"""The Gitea client's pure core: request building, answer deciphering, paging, ETag reuse."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.forges.base import RepoRef
from bot.forges.errors import (
    AuthFailed,
    Conflict,
    Invalid,
    NotFound,
    RateLimited,
    Unavailable,
)
from bot.forges.gitea_requests import (
    Answer,
    Builder,
    EtagCache,
    Request,
    check,
    json_list,
    json_of,
    links,
    more_pages,
    repo_path,
    segment,
)

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
TOKEN = "s3cr3t-token-value"
BUILDER = Builder(base_url="https://git.example.org/", token=TOKEN, user_agent="upstream-bot/1")
BASH = RepoRef("rpms", "bash")


def test_requests_carry_the_token_in_gitea_s_scheme_only():
    request = BUILDER.request("GET", "/repos/rpms/bash", query={"ref": "a10s"})
    assert request.headers["Authorization"] == f"token {TOKEN}"
    assert request.headers["User-Agent"] == "upstream-bot/1"
    assert TOKEN not in request.url and TOKEN not in request.doing
    assert request.url == "https://git.example.org/api/v1/repos/rpms/bash?ref=a10s"


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "url", "doing", "sent"),
    [
        (
            "GET",
            "/repos/rpms/bash/commits",
            {"sha": "a10s", "stat": False, "page": 2, "limit": 50},
            None,
            "https://git.example.org/api/v1/repos/rpms/bash/commits"
            "?sha=a10s&stat=false&page=2&limit=50",
            "GET /repos/rpms/bash/commits?sha=a10s&stat=false&page=2&limit=50",
            None,
        ),
        (
            "POST",
            "/repos/rpms/bash/issues/4/comments",
            None,
            {"body": "/upstream status"},
            "https://git.example.org/api/v1/repos/rpms/bash/issues/4/comments",
            "POST /repos/rpms/bash/issues/4/comments",
            {"body": "/upstream status"},
        ),
        (
            "PATCH",
            "/repos/rpms/bash/issues/comments/31",
            None,
            {"body": "é"},
            "https://git.example.org/api/v1/repos/rpms/bash/issues/comments/31",
            "PATCH /repos/rpms/bash/issues/comments/31",
            {"body": "é"},
        ),
    ],
    ids=["get-with-query", "post-json", "patch-unicode"],
)
def test_request_building(method, path, query, body, url, doing, sent):
    request = BUILDER.request(method, path, query=query, json_body=body)
    assert (request.method, request.url, request.doing) == (method, url, doing)
    if sent is None:
        assert request.body is None and "Content-Type" not in request.headers
    else:
        assert json.loads(request.body) == sent
        assert request.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((), "/repos/rpms/bash"),
        (("raw", "SOURCES/a b#1.patch"), "/repos/rpms/bash/raw/SOURCES/a%20b%231.patch"),
        (
            ("compare", "c10s...upstream-bot/fix"),
            "/repos/rpms/bash/compare/c10s...upstream-bot/fix",
        ),
        (("contents", ""), "/repos/rpms/bash/contents"),
        (("contents", "/SPECS/"), "/repos/rpms/bash/contents/SPECS"),
        (("pulls", "7.diff"), "/repos/rpms/bash/pulls/7.diff"),
    ],
    ids=["repo", "file-with-space-and-hash", "branch-with-slash", "root", "slashes", "diff"],
)
def test_repo_paths_quote_every_piece(parts, expected):
    assert repo_path(BASH, *parts) == expected


def test_owner_and_name_cannot_escape_their_segment():
    assert repo_path(RepoRef("a/b", "c?d")) == "/repos/a%2Fb/c%3Fd"
    assert segment("x/y") == "x%2Fy"


def _answer(status: int, body: bytes = b"", **headers: str) -> Answer:
    return Answer(status, {k.replace("_", "-"): v for k, v in headers.items()}, body)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (_answer(200, b"[]"), None),
        (_answer(201, b"{}"), None),
        (_answer(401, b'{"message":"token is required"}'), AuthFailed),
        (_answer(403, b'{"message":"forbidden"}'), AuthFailed),
        (_answer(403, b"{}", x_ratelimit_remaining="0", retry_after="7"), RateLimited),
        (_answer(404, b'{"message":"The target couldn\'t be found."}'), NotFound),
        (_answer(409, b'{"message":"pull request already exists"}'), Conflict),
        (_answer(422, b'{"message":"[Title]: Required"}'), Invalid),
        (_answer(429, b"", retry_after="3"), RateLimited),
        (_answer(500, b"boom"), Unavailable),
        (_answer(502, b"<html>bad gateway</html>"), Unavailable),
    ],
    ids=["200", "201", "401", "403", "403-rate", "404", "409", "422", "429", "500", "502"],
)
def test_answers_mean_forge_errors(answer, error):
    request = BUILDER.request("GET", "/repos/rpms/bash")
    if error is None:
        assert check("gitea", request, answer, now=NOW) is answer
        return
    with pytest.raises(error) as raised:
        check("gitea", request, answer, now=NOW)
    assert "GET /repos/rpms/bash" in str(raised.value)
    assert f"HTTP {answer.status}" in str(raised.value)


def test_rate_limit_carries_retry_after():
    request = BUILDER.request("GET", "/repos/rpms/bash")
    with pytest.raises(RateLimited) as raised:
        check("gitea", request, _answer(429, b"", retry_after="42"), now=NOW)
    assert raised.value.retry_after == 42


@pytest.mark.parametrize(
    ("body", "reader", "message"),
    [
        (b"<html>login</html>", json_of, "is not JSON"),
        (b'{"message": "x"}', json_list, "expected a JSON list"),
    ],
    ids=["html", "object-for-list"],
)
def test_unreadable_answers_are_invalid(body, reader, message):
    request = BUILDER.request("GET", "/repos/rpms/bash/branches")
    with pytest.raises(Invalid, match=message):
        reader("gitea", request, _answer(200, body, content_type="text/html"))


def test_link_header_parses_every_rel():
    header = (
        '<https://git.example.org/api/v1/orgs/rpms/repos?limit=3&page=3>; rel="next",'
        '<https://git.example.org/api/v1/orgs/rpms/repos?limit=3&page=5>; rel="last",'
        '<https://git.example.org/api/v1/orgs/rpms/repos?limit=3&page=1>; rel="first"'
    )
    assert links({"link": header}) == {
        "next": "https://git.example.org/api/v1/orgs/rpms/repos?limit=3&page=3",
        "last": "https://git.example.org/api/v1/orgs/rpms/repos?limit=3&page=5",
        "first": "https://git.example.org/api/v1/orgs/rpms/repos?limit=3&page=1",
    }


@pytest.mark.parametrize(
    ("headers", "got", "collected", "more"),
    [
        ({"link": '<u?page=2>; rel="next",<u?page=3>; rel="last"'}, 3, 3, True),
        ({"link": '<u?page=1>; rel="first",<u?page=2>; rel="prev"'}, 3, 6, False),
        ({"x-total-count": "7"}, 3, 6, True),
        ({"x-total-count": "7"}, 1, 7, False),
        ({}, 3, 3, True),
        ({}, 2, 5, False),
        ({"link": '<u?page=9>; rel="next"'}, 0, 50, False),
    ],
    ids=[
        "link-next",
        "link-last-page",
        "total-not-reached",
        "total-reached",
        "full-page-no-headers",
        "short-page-no-headers",
        "empty-page-ends",
    ],
)
def test_more_pages(headers, got, collected, more):
    assert more_pages(headers, size=3, got=got, collected=collected) is more


def _get(url: str = "https://git.example.org/api/v1/repos/rpms/bash") -> Request:
    return Request("GET", url, {"Authorization": "token t"}, "GET /repos/rpms/bash")


def test_etag_cache_revalidates_and_reuses():
    cache = EtagCache()
    first = _get()
    assert "If-None-Match" not in cache.prepare(first).headers
    fresh = _answer(200, b'{"name":"bash"}', etag='"abc"')
    assert cache.settle(first, fresh) is fresh
    again = cache.prepare(_get())
    assert again.headers["If-None-Match"] == '"abc"'
    assert cache.settle(again, _answer(304, b"", etag='"abc"')) is fresh
    assert cache.hits == 1


def test_etag_cache_leaves_writes_and_untagged_answers_alone():
    cache = EtagCache()
    post = Request("POST", _get().url, {}, "POST /repos/rpms/bash", b"{}")
    cache.settle(post, _answer(200, b"{}", etag='"w"'))
    cache.settle(_get(), _answer(200, b"{}"))
    assert cache.prepare(post) is post
    assert "If-None-Match" not in cache.prepare(_get()).headers


def test_etag_cache_is_bounded():
    cache = EtagCache(max_entries=2)
    for name in ("a", "b", "c"):
        cache.settle(_get(f"https://x/{name}"), _answer(200, b"{}", etag=f'"{name}"'))
    assert "If-None-Match" not in cache.prepare(_get("https://x/a")).headers
    assert cache.prepare(_get("https://x/c")).headers["If-None-Match"] == '"c"'


def test_a_304_for_nothing_cached_is_retried_not_trusted():
    answer = EtagCache().settle(_get(), _answer(304))
    with pytest.raises(Unavailable):
        check("gitea", _get(), answer, now=NOW)
