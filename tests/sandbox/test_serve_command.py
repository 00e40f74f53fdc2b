"""`upstream-bot sandbox serve`: a saved world served on the settings' ports until SIGTERM,
then saved; and the refusals a user can meet."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands.sandbox import forge_ports
from bot.ingest.signatures import verify_gitea
from bot.sandbox import gitstore
from bot.sandbox.gitstore import Author
from bot.sandbox.world import World
from bot.settings import load_settings
from tests.sandbox.conftest import Receiver, Ticker

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_TOML = ROOT / "config" / "sandbox.toml"
SECRET_ENV = "UPSTREAM_BOT_TEST_GITEA_WEBHOOK_SECRET"


def _free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _config(tmp_path: Path, ports: list[int], *, secret: bool = False) -> Path:
    text = SANDBOX_TOML.read_text(encoding="utf-8")
    for default, port in zip((3000, 3001, 3002, 3003), ports, strict=True):
        text = text.replace(f"127.0.0.1:{default}", f"127.0.0.1:{port}")
    if secret:
        text = text.replace(
            'namespace = "rpms"\ntimeout',
            f'namespace = "rpms"\nwebhook_secret_env = "{SECRET_ENV}"\ntimeout',
            1,
        )
    path = tmp_path / "sandbox.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _world(tmp_path: Path) -> Path:
    world = World(tmp_path / "world", clock=Ticker())
    world.add_user("gitea", "packager", token="packager-token")
    world.create_repo("gitea", "rpms/bash", default_branch="a10s", members={"packager": "write"})
    world.commit(
        "gitea",
        "rpms/bash",
        "a10s",
        {"bash.spec": b"Name: bash\n"},
        message="Import",
        author=Author("Importer", "importer@sandbox.test"),
    )
    world.save()
    return world.root


def test_default_settings_give_one_port_per_forge():
    settings = load_settings(SANDBOX_TOML, environ={})
    assert forge_ports(settings) == (
        "127.0.0.1",
        {"gitea": 3000, "gitlab": 3001, "pagure": 3002, "github": 3003},
    )


async def test_serve_until_sigterm_then_save(tmp_path: Path, receiver: Receiver):
    root = _world(tmp_path)
    before = World.load(root, clock=Ticker()).repo("gitea", "rpms/bash").updated_at
    ports = _free_ports(4)
    config = _config(tmp_path, ports, secret=True)
    env = {**os.environ, SECRET_ENV: "serve-secret", "PYTHONPATH": str(ROOT)}
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        "serve",
        "--dir",
        str(root),
        "--config",
        str(config),
        "--webhook",
        f"gitea={receiver.url}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        lines = []
        while not lines or not lines[-1].startswith("sandbox ready"):
            line = await asyncio.wait_for(server.stdout.readline(), 60)
            assert line, (await server.stderr.read()).decode()
            lines.append(line.decode().strip())
        assert f"gitea   http://127.0.0.1:{ports[0]}" in lines
        assert f"github  http://127.0.0.1:{ports[3]}" in lines
        work = tmp_path / "work"
        git_env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.extraHeader",
            "GIT_CONFIG_VALUE_0": "Authorization: Bearer packager-token",
        }
        url = f"http://127.0.0.1:{ports[0]}/rpms/bash.git"
        for args in (
            ["clone", "--quiet", url, str(work)],
            [
                "-C",
                str(work),
                "-c",
                "user.name=P",
                "-c",
                "user.email=p@x",
                "commit",
                "--quiet",
                "--allow-empty",
                "-m",
                "Touch",
            ],
            ["-C", str(work), "push", "--quiet", "origin", "HEAD:a10s"],
        ):
            done = await asyncio.to_thread(
                subprocess.run, ["git", *args], env=git_env, capture_output=True, check=False
            )
            assert done.returncode == 0, done.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(server.communicate(), 60)
    assert server.returncode == 0, err.decode()
    assert f"world saved in {root}" in out.decode()
    saved = World.load(root, clock=Ticker())
    assert saved.repo("gitea", "rpms/bash").updated_at > before
    assert (
        gitstore.log(saved.git_dir("gitea", "rpms/bash"), ["a10s"], limit=1)[0].message == "Touch"
    )
    (delivery,) = receiver.received
    assert delivery.headers["X-Gitea-Event"] == "push"
    assert verify_gitea("serve-secret", delivery.body, delivery.headers)
    assert json.loads(delivery.body)["ref"] == "refs/heads/a10s"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dir", "{tmp}/empty"], "holds no sandbox world (no state.json)"),
        (["--dir", "{world}", "--webhook", "bitbucket=http://x"], "expected FORGE=URL"),
        (["--dir", "{world}", "--webhook", "gitea"], "expected FORGE=URL"),
        (["--dir", "{world}", "--config", "{remote}"], "is not on this machine"),
        (["--dir", "{world}", "--config", "{tmp}/none.toml"], "cannot read the configuration"),
    ],
    ids=["no-world", "unknown-forge", "no-url", "remote-forge", "no-config"],
)
def test_refusals_name_what_to_fix(tmp_path: Path, capsys, args, message):
    world = _world(tmp_path)
    remote = tmp_path / "remote.toml"
    remote.write_text(
        SANDBOX_TOML.read_text(encoding="utf-8").replace(
            "http://127.0.0.1:3003", "https://github.com"
        ),
        encoding="utf-8",
    )
    filled = [a.format(tmp=tmp_path, world=world, remote=remote) for a in args]
    if "--config" not in filled:
        filled += ["--config", str(_config(tmp_path, _free_ports(4)))]
    assert main(["sandbox", "serve", *filled]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "knob",
    [["--error-rate", "1.5"], ["--latency", "-1"], ["--page-cap", "0"], ["--latency", "x"]],
    ids=["rate-above-one", "negative-latency", "zero-page-cap", "not-a-number"],
)
def test_bad_knobs_are_usage_errors(tmp_path: Path, capsys, knob):
    with pytest.raises(SystemExit) as raised:
        main(["sandbox", "serve", "--dir", str(tmp_path), *knob])
    assert raised.value.code == 2
    assert knob[0] in capsys.readouterr().err
