"""Composition: builds the bot's parts from Settings. Nothing happens at import time."""

from __future__ import annotations

import asyncio
import random
import time
from functools import partial

from bot.forges.base import Forge
from bot.forges.calls import Budget, Caller, CallObserver, RetryPolicy
from bot.forges.gitea import GiteaForge
from bot.forges.github import GithubForge
from bot.forges.gitlab import GitlabForge
from bot.forges.pagure import PagureForge
from bot.settings import ForgeSettings, ForgeType


def build_caller(forge: ForgeSettings, *, observer: CallObserver | None = None) -> Caller:
    """The limits of one forge: its timeout, concurrency and hourly budget, with retries;
    `observer` (e.g. the metrics) hears about every attempt and pause."""
    budget = Budget(
        per_hour=forge.requests_per_hour,
        concurrency=forge.concurrency,
        clock=time.monotonic,
        sleep=asyncio.sleep,
        on_wait=None if observer is None else partial(observer.paused, forge.name, "budget"),
    )
    return Caller(
        forge=forge.name,
        budget=budget,
        timeout=forge.timeout.total_seconds(),
        policy=RetryPolicy(),
        sleep=asyncio.sleep,
        jitter=random.random,
        observer=observer,
    )


def build_forge(
    forge: ForgeSettings,
    *,
    url: str | None = None,
    token: str | None = None,
    observer: CallObserver | None = None,
) -> Forge:
    """The adapter for one configured forge; `url` and `token` override the settings (the
    sandbox runs on ports chosen at start and hands out its own tokens)."""
    secret = token if token is not None else (forge.token.reveal() if forge.token else "")
    root = (url or forge.url).rstrip("/")
    caller = build_caller(forge, observer=observer)
    match forge.type:
        case ForgeType.GITEA:
            return GiteaForge(
                name=forge.name,
                base_url=root,
                token=secret,
                caller=caller,
                page_size=forge.page_size,
                username=forge.username,
            )
        case ForgeType.GITLAB:
            return GitlabForge(
                name=forge.name,
                base_url=root,
                token=secret,
                caller=caller,
                page_size=forge.page_size,
            )
        case ForgeType.PAGURE:
            return PagureForge(
                name=forge.name,
                base_url=root,
                token=secret,
                username=forge.username,
                caller=caller,
                page_size=forge.page_size,
            )
        case ForgeType.GITHUB:
            api = forge.api_url.replace(forge.url.rstrip("/"), root, 1) if url else forge.api_url
            return GithubForge(
                name=forge.name,
                base_url=api,
                token=secret,
                caller=caller,
                page_size=forge.page_size,
            )
