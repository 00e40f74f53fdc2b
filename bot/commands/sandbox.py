"""`upstream-bot sandbox`: the local forges. `seed` builds a world in a directory; `serve`
serves a saved world on the ports of the settings' forge URLs until SIGINT/SIGTERM, then
saves it. Which forge apps exist is the explicit table `APP_MODULES`, imported when the
command runs, so a forge whose module is missing is skipped with a warning."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import signal
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot.sandbox.faults import Faults
from bot.sandbox.server import AppFactory, SandboxError, start_sandbox
from bot.sandbox.webhooks import Hook, WebhookSender
from bot.sandbox.world import World
from bot.settings import Settings, SettingsError, load_settings, resolve_config_path

#: World forge name -> the module whose `build_app(world, *, faults, page_cap)` serves it
APP_MODULES = {
    "gitea": "bot.sandbox.gitea_api",
    "gitlab": "bot.sandbox.gitlab_api",
    "pagure": "bot.sandbox.pagure_api",
    "github": "bot.sandbox.github_api",
}
_LOOPBACK = {"127.0.0.1": "127.0.0.1", "localhost": "127.0.0.1", "::1": "::1"}
_PROG = "upstream-bot sandbox serve"


class ServeError(ValueError):
    """Input `sandbox serve` cannot use; the message says what was wrong and what to do."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="sandbox_action", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="Serve a saved sandbox world on the settings' forge ports until interrupted.",
        description="Serve a saved sandbox world on the ports of the settings' forge URLs "
        "until SIGINT/SIGTERM, then save the world.",
    )
    add_serve_arguments(serve)
    serve.set_defaults(sandbox_run=run_serve)
    try:
        seed = importlib.import_module("bot.commands.sandbox_seed")
    except ImportError:
        return
    seeding = actions.add_parser(
        "seed",
        help="Build a sandbox world shaped like AlmaLinux's, and its truth, in a directory.",
    )
    seed.add_seed_arguments(seeding)
    seeding.set_defaults(sandbox_run=seed.seed_command)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, required=True, metavar="DIR", help="the world")
    parser.add_argument(
        "--config",
        type=Path,
        help="settings file whose forge URLs give the ports "
        "(default: $UPSTREAM_BOT_CONFIG, else config/sandbox.toml)",
    )
    parser.add_argument(
        "--latency", type=_at_least(0.0), default=0.0, metavar="S", help="seconds added per answer"
    )
    parser.add_argument(
        "--error-rate",
        type=_share,
        default=0.0,
        metavar="R",
        help="share of answers that fail at random: 5xx, 429, resets, stalls (0 to 1)",
    )
    parser.add_argument(
        "--page-cap", type=_at_least(1), metavar="N", help="most items per page, every forge"
    )
    parser.add_argument(
        "--webhook",
        action="append",
        default=[],
        metavar="FORGE=URL",
        help="deliver FORGE's events (gitea, forgejo, gitlab, pagure, github) to URL, signed "
        "with the webhook secret of that forge type in the settings; repeatable",
    )


def run(args: argparse.Namespace) -> int:
    return int(args.sandbox_run(args))


def run_serve(args: argparse.Namespace) -> int:
    try:
        path = resolve_config_path(str(args.config) if args.config else None, os.environ)
        settings = load_settings(path, environ=os.environ)
        host, ports = forge_ports(settings)
        hooks = [Hook(forge, url, _secret(settings, forge)) for forge, url in _hooks(args.webhook)]
        if not (args.dir / "state.json").is_file():
            raise ServeError(
                f"{args.dir} holds no sandbox world (no state.json): "
                f"build one with `upstream-bot sandbox seed --dir {args.dir}`"
            )
        world = World.load(args.dir, clock=lambda: datetime.now(UTC))
    except (SettingsError, ServeError) as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return 2
    factories: dict[str, AppFactory] = {}
    for forge, module in APP_MODULES.items():
        try:
            factories[forge] = importlib.import_module(module).build_app
        except ImportError as error:
            print(f"{_PROG}: warning: no {forge} sandbox ({error}); skipped", file=sys.stderr)
    served = {forge: factory for forge, factory in factories.items() if forge in ports}
    faults = {forge: Faults(latency=args.latency, error_rate=args.error_rate) for forge in served}
    page_caps = dict.fromkeys(served, args.page_cap) if args.page_cap else None
    return asyncio.run(_serve(world, served, ports, faults, host, page_caps, hooks))


async def _serve(
    world: World,
    apps: Mapping[str, AppFactory],
    ports: Mapping[str, int],
    faults: Mapping[str, Faults],
    host: str,
    page_caps: Mapping[str, int] | None,
    hooks: list[Hook],
) -> int:
    sender = WebhookSender(hooks) if hooks else None
    try:
        running = await start_sandbox(
            world,
            apps=apps,
            ports=ports,
            faults=faults,
            host=host,
            page_caps=page_caps,
            sender=sender,
        )
    except SandboxError as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    for forge, url in running.urls.items():
        print(f"{forge:<7} {url}")
    print("sandbox ready; stop with Ctrl-C (the world is saved on exit)", flush=True)
    try:
        await stop.wait()
    finally:
        await running.close()
        await asyncio.to_thread(world.save)
    print(f"world saved in {world.root}", flush=True)
    return 0


def forge_ports(settings: Settings) -> tuple[str, dict[str, int]]:
    """(the loopback address to listen on, World forge name -> port) from the forge URLs."""
    ports: dict[str, int] = {}
    hosts = set()
    for forge in settings.forges:
        parts = urlsplit(forge.url)
        if parts.hostname not in _LOOPBACK:
            raise ServeError(
                f"{settings.source}: [forges.{forge.name}] url {forge.url} is not on this "
                "machine; the sandbox serves only loopback URLs (use config/sandbox.toml)"
            )
        port = parts.port or (443 if parts.scheme == "https" else 80)
        known = ports.setdefault(str(forge.type), port)
        if known != port:
            raise ServeError(
                f"{settings.source}: [forges.{forge.name}] url {forge.url}: another "
                f"{forge.type} forge is on port {known}; one World serves one {forge.type}"
            )
        hosts.add(_LOOPBACK[parts.hostname])
    if len(hosts) > 1:
        raise ServeError(f"{settings.source}: forge URLs mix {' and '.join(sorted(hosts))}")
    return (hosts.pop() if hosts else "127.0.0.1"), ports


def _hooks(specs: list[str]) -> list[tuple[str, str]]:
    hooks = []
    for spec in specs:
        forge, _, url = spec.partition("=")
        if forge not in (*APP_MODULES, "forgejo") or not url.startswith(("http://", "https://")):
            raise ServeError(
                f"--webhook {spec!r}: expected FORGE=URL with FORGE one of "
                f"{', '.join([*APP_MODULES, 'forgejo'])}, e.g. gitea=http://127.0.0.1:8080/hook"
            )
        hooks.append((forge, url))
    return hooks


def _secret(settings: Settings, forge: str) -> str:
    kind = "gitea" if forge == "forgejo" else forge
    for configured in settings.forges:
        if str(configured.type) == kind and configured.webhook_secret is not None:
            return configured.webhook_secret.reveal()
    print(
        f"{_PROG}: warning: {forge} webhooks go unsigned: "
        f"set webhook_secret_env on a {kind} forge in the settings",
        file=sys.stderr,
    )
    return ""


def _at_least(minimum: float) -> Callable[[str], float]:
    kind = type(minimum)

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} is below {minimum}")
        return value

    return parse


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value
