"""The [chatops] section: who may always command the bot, how the webhook endpoints and the
inbox workers behave, how often upstream requests are polled for comments.

Webhook secrets are not here: each forge names the environment variable holding its
secret with `webhook_secret_env` in its [forges.<name>] table.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.settings.schema import ChatopsSettings
from bot.settings.table import Table
from bot.settings.values import duration, integer, strings, text

#: "alice" (on every forge) or "gitlab-forge-name:alice" (on that forge only)
_TRUSTED = re.compile(r"([a-z0-9]+(-[a-z0-9]+)*:)?[A-Za-z0-9][A-Za-z0-9_.-]*")


def parse_chatops(top: Table) -> ChatopsSettings:
    table = top.table("chatops", example="[chatops]")
    if table is None:
        return ChatopsSettings()
    default = ChatopsSettings()
    user = text(example='"alice"', pattern=_TRUSTED, expected='a user name or "<forge>:<user>"')
    settings = ChatopsSettings(
        trusted_users=table.get(
            "trusted_users", strings(user, example='["alice", "centos-stream:bob"]'), default=()
        ),
        permission_ttl=table.get(
            "permission_ttl",
            duration(minimum=timedelta(0), maximum=timedelta(hours=24)),
            default=default.permission_ttl,
        ),
        max_body_size=table.get(
            "max_body_size",
            integer(minimum=1024, maximum=100 * 1024 * 1024),
            default=default.max_body_size,
        ),
        workers=table.get("workers", integer(minimum=1, maximum=64), default=default.workers),
        max_attempts=table.get(
            "max_attempts", integer(minimum=1, maximum=100), default=default.max_attempts
        ),
        poll_interval=table.get(
            "poll_interval",
            duration(minimum=timedelta(0), maximum=timedelta(days=1)),
            default=default.poll_interval,
        ),
    )
    table.finish()
    return settings
