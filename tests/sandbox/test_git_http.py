"""Stock git clones, fetches and pushes over HTTP against the sandbox's git routes alone."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
from pathlib import Path

import pytest
from aiohttp import web

from bot.ingest.signatures import verify
from bot.sandbox import gitstore
from bot.sandbox.git_http import add_git_routes
from bot.sandbox.gitstore import Author
from bot.sandbox.webhooks import WEBHOOKS, Hook, WebhookSender
from bot.sandbox.world import World
from tests.sandbox.conftest import Receiver, Serve

AUTHOR = Author("Sandbox Importer", "importer@sandbox.test")
SECRET = "push-secret"
#: (forge, URL path of rpms/bash's clone URL, event header, event name)
FORGES = [
    ("gitea", "rpms/bash.git", "X-Gitea-Event", "push"),
    ("gitlab", "rpms/bash.git", "X-Gitlab-Event", "Push Hook"),
    ("pagure", "rpms/bash.git", "X-Pagure-Topic", "git.receive"),
    ("github", "rpms/bash.git", "X-GitHub-Event", "push"),
]


def _resolve(url_path: str) -> str | None:
    return url_path.removesuffix(".git") if url_path.endswith(".git") else None


def _seed(world: World, forge: str) -> str:
    world.add_user(forge, "packager", token="packager-token")
    world.add_user(forge, "reader", token="reader-token")
    world.create_repo(forge, "rpms/bash", default_branch="c10s", members={"packager": "write"})
    return world.commit(
        forge, "rpms/bash", "c10s", {"bash.spec": b"Name: bash\n"}, message="Import", author=AUTHOR
    )


async def _start(world: World, forge: str, serve: Serve, receiver: Receiver | None = None):
    app = web.Application()
    add_git_routes(app, world, forge, resolve=_resolve)
    sender = None
    if receiver is not None:
        sender = WebhookSender([Hook(forge, receiver.url, SECRET)])
        app[WEBHOOKS] = sender
    return await serve(app), sender


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": "Packager",
        "GIT_AUTHOR_EMAIL": "packager@sandbox.test",
        "GIT_COMMITTER_NAME": "Packager",
        "GIT_COMMITTER_EMAIL": "packager@sandbox.test",
        **extra,
    }


def _askpass(tmp_path: Path, user: str) -> dict[str, str]:
    """git asks this script for the user name and password; the token stays in the env."""
    script = tmp_path / "askpass.sh"
    script.write_text(
        f'#!/bin/sh\ncase "$1" in Username*) echo {user} ;; *) echo "$SANDBOX_TOKEN" ;; esac\n'
    )
    script.chmod(0o700)
    return {"GIT_ASKPASS": str(script)}


def _extra_header(url: str, user: str, token: str) -> dict[str, str]:
    basic = base64.b64encode(f"{user}:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{url}.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
    }


async def _git(env: dict[str, str], *args: str, cwd: Path | None = None):
    command = ["git", *(["-C", str(cwd)] if cwd else []), *args]
    return await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, check=False
    )


async def _clone_and_commit(tmp_path: Path, env: dict[str, str], url: str) -> Path:
    work = tmp_path / "work"
    cloned = await _git(env, "clone", "--quiet", url, str(work))
    assert cloned.returncode == 0, cloned.stderr
    (work / "fix.patch").write_text("--- a\n+++ b\n")
    await _git(env, "add", "fix.patch", cwd=work)
    committed = await _git(env, "commit", "--quiet", "-m", "Add fix.patch", cwd=work)
    assert committed.returncode == 0, committed.stderr
    return work


async def test_clone_is_anonymous_and_gets_the_worlds_branch(world, serve, tmp_path):
    head = _seed(world, "gitea")
    base, _ = await _start(world, "gitea", serve)
    env = _env(tmp_path)
    cloned = await _git(env, "clone", "--quiet", f"{base}/rpms/bash.git", str(tmp_path / "c"))
    assert cloned.returncode == 0, cloned.stderr
    assert (tmp_path / "c" / "bash.spec").read_text() == "Name: bash\n"
    local = await _git(env, "rev-parse", "HEAD", cwd=tmp_path / "c")
    assert local.stdout.strip() == head


@pytest.mark.parametrize("protocol", ["0", "2"], ids=["v0", "v2"])
async def test_fetch_sees_new_commits_with_many_haves(world, serve, tmp_path, protocol):
    _seed(world, "gitea")
    base, _ = await _start(world, "gitea", serve)
    env = _env(tmp_path, GIT_CONFIG_PARAMETERS=f"'protocol.version'='{protocol}'")
    work = await _clone_and_commit(tmp_path, env, f"{base}/rpms/bash.git")
    # enough local-only commits that the fetch request is large (git compresses it)
    for index in range(60):
        await _git(env, "commit", "--quiet", "--allow-empty", "-m", f"local {index}", cwd=work)
    new = world.commit(
        "gitea", "rpms/bash", "c10s", {"README": b"x\n"}, message="Upstream", author=AUTHOR
    )
    fetched = await _git(env, "fetch", "--quiet", "origin", cwd=work)
    assert fetched.returncode == 0, fetched.stderr
    remote = await _git(env, "rev-parse", "origin/c10s", cwd=work)
    assert remote.stdout.strip() == new


@pytest.mark.parametrize("how", ["askpass", "extra-header"])
async def test_push_with_a_write_token_moves_the_branch_and_touches_the_repo(
    world, serve, tmp_path, how
):
    _seed(world, "gitea")
    base, _ = await _start(world, "gitea", serve)
    url = f"{base}/rpms/bash.git"
    before = world.repo("gitea", "rpms/bash").updated_at
    if how == "askpass":
        env = _env(tmp_path, **_askpass(tmp_path, "packager"), SANDBOX_TOKEN="packager-token")
    else:
        env = _env(tmp_path, **_extra_header(url, "packager", "packager-token"))
    work = await _clone_and_commit(tmp_path, env, url)
    pushed = await _git(env, "push", "--quiet", "origin", "HEAD:refs/heads/fix", cwd=work)
    assert pushed.returncode == 0, pushed.stderr
    local = (await _git(env, "rev-parse", "HEAD", cwd=work)).stdout.strip()
    git_dir = world.git_dir("gitea", "rpms/bash")
    assert gitstore.branch_head(git_dir, "fix") == local
    assert gitstore.read_blob(git_dir, "fix", "fix.patch") == b"--- a\n+++ b\n"
    assert world.repo("gitea", "rpms/bash").updated_at > before


@pytest.mark.parametrize(
    ("user", "token", "status"),
    [
        (None, None, "401"),
        ("packager", "wrong-token", "401"),
        ("reader", "reader-token", "403"),
    ],
    ids=["no-token", "wrong-token", "read-only-user"],
)
async def test_push_is_refused_without_a_write_token(world, serve, tmp_path, user, token, status):
    head = _seed(world, "gitea")
    base, _ = await _start(world, "gitea", serve)
    url = f"{base}/rpms/bash.git"
    env = _env(tmp_path)
    if user is not None:
        env |= _askpass(tmp_path, user) | {"SANDBOX_TOKEN": token}
    work = await _clone_and_commit(tmp_path, env, url)
    pushed = await _git(env, "push", "--quiet", "origin", "HEAD:refs/heads/c10s", cwd=work)
    assert pushed.returncode != 0
    if status == "403":
        assert "403" in pushed.stderr
    else:
        assert "Authentication failed" in pushed.stderr or "could not read" in pushed.stderr
    assert gitstore.branch_head(world.git_dir("gitea", "rpms/bash"), "c10s") == head


async def test_the_401_asks_for_basic_credentials(world, serve):
    import aiohttp

    _seed(world, "gitea")
    base, _ = await _start(world, "gitea", serve)
    async with aiohttp.ClientSession() as session:
        url = f"{base}/rpms/bash.git/info/refs?service=git-receive-pack"
        async with session.get(url) as answer:
            assert answer.status == 401
            assert answer.headers["WWW-Authenticate"].startswith("Basic")
        async with session.get(f"{base}/rpms/nothing.git/info/refs?service=git-upload-pack") as a:
            assert a.status == 404
        async with session.get(f"{base}/rpms/bash.git/info/refs") as dumb:
            assert dumb.status == 403, "only the smart protocol is served"


async def test_unknown_repository_is_not_found_for_git(world, serve, tmp_path):
    _seed(world, "gitea")
    base, _ = await _start(world, "gitea", serve)
    cloned = await _git(_env(tmp_path), "clone", f"{base}/rpms/zsh.git", str(tmp_path / "z"))
    assert cloned.returncode != 0
    assert "not found" in cloned.stderr.lower() or "404" in cloned.stderr


@pytest.mark.parametrize(
    ("forge", "url_path", "header", "event"), FORGES, ids=[f[0] for f in FORGES]
)
async def test_push_sends_the_forges_signed_push_webhook(
    world, serve, tmp_path, receiver, forge, url_path, header, event
):
    head = _seed(world, forge)
    base, sender = await _start(world, forge, serve, receiver)
    env = _env(tmp_path, **_askpass(tmp_path, "packager"), SANDBOX_TOKEN="packager-token")
    work = await _clone_and_commit(tmp_path, env, f"{base}/{url_path}")
    pushed = await _git(env, "push", "--quiet", "origin", "HEAD:refs/heads/c10s", cwd=work)
    assert pushed.returncode == 0, pushed.stderr
    await sender.drain()
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert delivery.headers[header] == event
    assert verify(forge, SECRET, delivery.body, delivery.headers)
    after = (await _git(env, "rev-parse", "HEAD", cwd=work)).stdout.strip()
    payload = json.loads(delivery.body)
    if forge == "pagure":
        message = payload["msg"]
        assert (message["branch"], message["old_commit"], message["start_commit"]) == (
            "refs/heads/c10s",
            head,
            after,
        )
        assert message["changed_files"] == ["fix.patch"]
        assert delivery.body == json.dumps(payload, sort_keys=True).encode()
    else:
        assert (payload["ref"], payload["before"], payload["after"]) == (
            "refs/heads/c10s",
            head,
            after,
        )
        assert [c["id"] for c in payload["commits"]] == [after]
        assert payload["commits"][0]["added"] == ["fix.patch"]


async def test_push_that_changes_nothing_sends_no_webhook(world, serve, tmp_path, receiver):
    _seed(world, "gitea")
    base, sender = await _start(world, "gitea", serve, receiver)
    env = _env(tmp_path, **_askpass(tmp_path, "packager"), SANDBOX_TOKEN="packager-token")
    work = tmp_path / "same"
    await _git(env, "clone", "--quiet", f"{base}/rpms/bash.git", str(work))
    pushed = await _git(env, "push", "origin", "c10s", cwd=work)
    assert pushed.returncode == 0, pushed.stderr
    await sender.drain()
    assert receiver.received == []


async def test_large_push_streams_through_in_chunks(world, serve, tmp_path):
    # bigger than git's 1 MiB http.postBuffer, so git sends it with chunked encoding
    _seed(world, "gitea")
    base, _ = await _start(world, "gitea", serve)
    env = _env(tmp_path, **_askpass(tmp_path, "packager"), SANDBOX_TOKEN="packager-token")
    work = await _clone_and_commit(tmp_path, env, f"{base}/rpms/bash.git")
    blob = os.urandom(3 * 1024 * 1024)
    (work / "bash-5.2.tar.gz").write_bytes(blob)
    await _git(env, "add", "bash-5.2.tar.gz", cwd=work)
    await _git(env, "commit", "--quiet", "-m", "Add sources", cwd=work)
    pushed = await _git(env, "push", "--quiet", "origin", "HEAD:refs/heads/big", cwd=work)
    assert pushed.returncode == 0, pushed.stderr
    stored = gitstore.read_blob(world.git_dir("gitea", "rpms/bash"), "big", "bash-5.2.tar.gz")
    assert stored == blob


@pytest.mark.parametrize(
    ("refspec", "amend", "expected"),
    [
        ("HEAD:refs/heads/new", False, {"created": True, "deleted": False, "forced": False}),
        ("+HEAD:refs/heads/c10s", True, {"created": False, "deleted": False, "forced": True}),
        (":refs/heads/old", False, {"created": False, "deleted": True, "forced": False}),
    ],
    ids=["create", "force", "delete"],
)
async def test_push_payload_says_created_forced_or_deleted(
    world, serve, tmp_path, receiver, refspec, amend, expected
):
    head = _seed(world, "github")
    # the default branch cannot be deleted (git refuses, as forges do); another one can
    old = world.commit(
        "github", "rpms/bash", "old", {"x": b"x\n"}, message="Old", author=AUTHOR, parent=head
    )
    base, sender = await _start(world, "github", serve, receiver)
    env = _env(tmp_path, **_askpass(tmp_path, "packager"), SANDBOX_TOKEN="packager-token")
    work = await _clone_and_commit(tmp_path, env, f"{base}/rpms/bash.git")
    if amend:  # rewrite the base commit itself, so the new head does not descend from it
        await _git(env, "reset", "--quiet", "--hard", "HEAD~1", cwd=work)
        await _git(env, "commit", "--quiet", "--amend", "-m", "Import, again", cwd=work)
    pushed = await _git(env, "push", "--quiet", "origin", refspec, cwd=work)
    assert pushed.returncode == 0, pushed.stderr
    await sender.drain()
    (delivery,) = receiver.received
    payload = json.loads(delivery.body)
    assert {key: payload[key] for key in expected} == expected
    if expected["created"]:
        assert payload["before"] == "0" * 40
    if expected["deleted"]:
        assert (payload["before"], payload["after"], payload["commits"]) == (old, "0" * 40, [])
