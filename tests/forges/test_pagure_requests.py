"""The requests the Pagure adapter builds: paths, arguments and forms of Pagure API v0."""

from __future__ import annotations

import pytest

from bot.forges import pagure_requests as build
from bot.forges.base import RepoRef

BASH = RepoRef("rpms", "bash")
FORK = RepoRef("fork/upstream-bot/rpms", "bash")


@pytest.mark.parametrize(
    ("request_", "method", "path", "query", "form"),
    [
        pytest.param(
            build.projects("rpms", page=2, per_page=3),
            "GET",
            "/api/0/projects",
            (("namespace", "rpms"), ("fork", "false"), ("page", "2"), ("per_page", "3")),
            (),
            id="projects-without-forks",
        ),
        pytest.param(
            build.projects("rpms", page=1, per_page=500),
            "GET",
            "/api/0/projects",
            (("namespace", "rpms"), ("fork", "false"), ("page", "1"), ("per_page", "100")),
            (),
            id="projects-per-page-capped-at-100",
        ),
        pytest.param(
            build.project(BASH, expand_groups=True),
            "GET",
            "/api/0/rpms/bash",
            (("expand_group", "1"),),
            (),
            id="project-with-group-members",
        ),
        pytest.param(
            build.project(FORK),
            "GET",
            "/api/0/fork/upstream-bot/rpms/bash",
            (),
            (),
            id="fork-project",
        ),
        pytest.param(
            build.branches(BASH),
            "GET",
            "/api/0/rpms/bash/git/branches",
            (("with_commits", "true"),),
            (),
            id="branches-with-heads",
        ),
        pytest.param(
            build.tree(BASH, "rawhide", ""),
            "GET",
            "/api/0/rpms/bash/tree/rawhide",
            (),
            (),
            id="tree-root",
        ),
        pytest.param(
            build.tree(BASH, "upstream-bot/bash/fix", "/tests/"),
            "GET",
            "/api/0/rpms/bash/tree/upstream-bot/bash/fix/f/tests",
            (),
            (),
            id="tree-subdir-on-slashed-branch",
        ),
        pytest.param(
            build.raw_file(BASH, "rawhide", "SOURCES/a b#1.patch"),
            "GET",
            "/rpms/bash/raw/rawhide/f/SOURCES/a%20b%231.patch",
            (),
            (),
            id="raw-file-quoted",
        ),
        pytest.param(
            build.raw_file(FORK, "main", "x.spec"),
            "GET",
            "/fork/upstream-bot/rpms/bash/raw/main/f/x.spec",
            (),
            (),
            id="raw-file-of-fork",
        ),
        pytest.param(
            build.pull_requests(BASH, status="Open", author="upstream-bot", page=1, per_page=20),
            "GET",
            "/api/0/rpms/bash/pull-requests",
            (("status", "Open"), ("author", "upstream-bot"), ("page", "1"), ("per_page", "20")),
            (),
            id="pull-requests-by-author",
        ),
        pytest.param(
            build.pull_request_diff(BASH, 42),
            "GET",
            "/rpms/bash/pull-request/42.diff",
            (),
            (),
            id="diff-web-route",
        ),
        pytest.param(
            build.pull_request_comment(BASH, 42, "/upstream status"),
            "POST",
            "/api/0/rpms/bash/pull-request/42/comment",
            (),
            (("comment", "/upstream status"),),
            id="pull-request-comment",
        ),
        pytest.param(
            build.issues(BASH, status="all", author=None, page=3, per_page=3),
            "GET",
            "/api/0/rpms/bash/issues",
            (("status", "all"), ("page", "3"), ("per_page", "3")),
            (),
            id="issues-all",
        ),
        pytest.param(
            build.new_issue(BASH, "Tracking", "Body"),
            "POST",
            "/api/0/rpms/bash/new_issue",
            (),
            (("title", "Tracking"), ("issue_content", "Body")),
            id="new-issue",
        ),
        pytest.param(
            build.edit_issue(BASH, 7, "Tracking", "Done"),
            "POST",
            "/api/0/rpms/bash/issue/7",
            (),
            (("title", "Tracking"), ("issue_content", "Done")),
            id="edit-issue-takes-both-fields",
        ),
        pytest.param(
            build.issue_comment(BASH, 7, "hi"),
            "POST",
            "/api/0/rpms/bash/issue/7/comment",
            (),
            (("comment", "hi"),),
            id="issue-comment",
        ),
        pytest.param(
            build.fork(BASH),
            "POST",
            "/api/0/fork",
            (),
            (("repo", "bash"), ("namespace", "rpms"), ("wait", "true")),
            id="fork",
        ),
        pytest.param(
            build.fork(FORK),
            "POST",
            "/api/0/fork",
            (),
            (
                ("repo", "bash"),
                ("namespace", "rpms"),
                ("wait", "true"),
                ("username", "upstream-bot"),
            ),
            id="fork-of-a-fork",
        ),
        pytest.param(build.user("a/b"), "GET", "/api/0/user/a%2Fb", (), (), id="user-quoted"),
    ],
)
def test_request_building(request_, method, path, query, form):
    assert (request_.method, request_.path, request_.query, request_.form) == (
        method,
        path,
        query,
        form,
    )


@pytest.mark.parametrize(
    ("source", "draft", "title", "extra"),
    [
        pytest.param(
            FORK,
            False,
            "Fix",
            (
                ("repo_from", "bash"),
                ("repo_from_username", "upstream-bot"),
                ("repo_from_namespace", "rpms"),
            ),
            id="from-fork",
        ),
        pytest.param(BASH, False, "Fix", (), id="from-same-repo"),
        pytest.param(BASH, True, "[WIP] Fix", (), id="draft-as-wip-prefix"),
    ],
)
def test_new_pull_request_form(source, draft, title, extra):
    request = build.new_pull_request(
        BASH,
        source=source,
        source_branch="topic",
        target_branch="rawhide",
        title="Fix",
        body="Why",
        draft=draft,
    )
    assert request.path == "/api/0/rpms/bash/pull-request/new"
    assert request.form == (
        ("title", title),
        ("branch_to", "rawhide"),
        ("branch_from", "topic"),
        ("initial_comment", "Why"),
        *extra,
    )


@pytest.mark.parametrize(
    ("repo", "parts", "clone", "web"),
    [
        pytest.param(BASH, (None, "rpms"), "rpms/bash", "rpms/bash", id="namespaced"),
        pytest.param(
            FORK,
            ("upstream-bot", "rpms"),
            "forks/upstream-bot/rpms/bash",
            "fork/upstream-bot/rpms/bash",
            id="fork",
        ),
        pytest.param(RepoRef("", "pagure"), (None, None), "pagure", "pagure", id="top-level"),
        pytest.param(
            RepoRef("fork/alice", "pagure"),
            ("alice", None),
            "forks/alice/pagure",
            "fork/alice/pagure",
            id="fork-of-top-level",
        ),
    ],
)
def test_fork_parts_and_paths(repo, parts, clone, web):
    assert build.fork_parts(repo) == parts
    assert build.clone_path(repo) == clone
    assert build.web_path(repo) == web


def test_fork_ref_is_where_pagure_puts_forks():
    assert build.fork_ref("upstream-bot", BASH) == FORK


@pytest.mark.parametrize(
    ("request_", "api"),
    [
        pytest.param(build.project(BASH), True, id="api-sends-token"),
        pytest.param(build.raw_file(BASH, "rawhide", "x"), False, id="raw-is-a-public-page"),
        pytest.param(build.pull_request_diff(BASH, 1), False, id="diff-is-a-public-page"),
    ],
)
def test_only_api_calls_carry_the_token(request_, api):
    assert request_.api is api
