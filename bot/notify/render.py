"""Renders a digest into a subject, a plain-text part, an HTML part and its inline images.

Everything a forge user wrote (change names, reasons, errors) reaches the templates as it
is: the HTML environment autoescapes, and the text environment passes every printed value
through `plain`, which turns line breaks and other control characters into spaces, so a
name cannot start lines, sections or headers of its own in the text part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.domain.digest_model import TREND_SERIES, OwnerDigest, ProjectDigest
from bot.notify.chart import hex_color, trend_chart
from bot.notify.links import Dashboard

#: Inline styles: many mail clients drop <style> blocks, so every element carries its own.
CSS = {
    "font": "font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;",
    "th": "text-align: left; font-weight: 600; padding: 6px 8px; border-bottom: 2px solid "
          "#d0d7de; color: #57606a; font-size: 12px; text-transform: uppercase;",
    "td": "padding: 6px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top;",
    "num": "padding: 6px 8px; border-bottom: 1px solid #eaeef2; text-align: right; "
           "white-space: nowrap; vertical-align: top;",
    "h2": "font-size: 17px; margin: 28px 0 8px; color: #1f2328;",
    "link": "color: #0969da; text-decoration: none;",
    "code": "font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; "
            "background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; "
            "padding: 1px 5px; font-size: 13px; white-space: nowrap;",
    "muted": "color: #57606a;",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_LONGEST = 300


@dataclass(frozen=True, slots=True)
class InlineImage:
    """An image the HTML part shows through ``cid:<cid>``."""

    cid: str
    data: bytes
    filename: str


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    subject: str
    text: str
    html: str
    images: tuple[InlineImage, ...] = ()


@dataclass(frozen=True, slots=True)
class Branding:
    """Names the digest uses: the distribution, the bot, and how to stop the mail."""

    distribution: str
    bot: str
    unsubscribe: str


def plain(value: Any) -> Any:
    """One line of text: control characters become a space, very long values are cut."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = _CONTROL.sub(" ", value)
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def signed(value: int) -> str:
    return f"+{value}" if value > 0 else ("±0" if value == 0 else f"-{-value}")


def age(days: int) -> str:
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 60:
        return f"{days // 7} weeks"
    if days < 730:
        return f"{days // 30} months"
    return f"{days // 365} years"


def day(value: date | datetime) -> str:
    return value.strftime("%Y-%m-%d")


def web_url(value: str | None) -> str | None:
    """`value` when it is an http(s) URL, else None: a link a forge user supplied must not
    become a ``javascript:`` or ``data:`` link in the HTML part."""
    if not isinstance(value, str) or _CONTROL.search(value):
        return None
    return value if value.lower().startswith(("https://", "http://")) else None


def _trend_bars(digest: ProjectDigest) -> dict[str, int]:
    """The text trend's bar length per week: pending changes, at most 30 characters."""
    pending = TREND_SERIES.index(next(s for s in TREND_SERIES if s[0] == "pending"))
    counts = {w.week: w.counts[pending] for w in digest.trend if w.counts is not None}
    top = max(counts.values(), default=0)
    return {week: round(30 * n / top) if top else 0 for week, n in counts.items()}


class Renderer:
    """The two Jinja2 environments over the templates shipped in ``bot/notify/templates``."""

    def __init__(self, *, dashboard: Dashboard, branding: Branding) -> None:
        loader = PackageLoader("bot.notify", "templates")
        common: dict[str, Any] = {
            "loader": loader, "undefined": StrictUndefined, "trim_blocks": True,
            "lstrip_blocks": True, "keep_trailing_newline": True,
        }
        self._html = Environment(autoescape=select_autoescape(["html"]), **common)
        self._text = Environment(autoescape=False, finalize=plain, **common)  # noqa: S701 -- text/plain
        for env in (self._html, self._text):
            env.filters.update(signed=signed, age=age, day=day, plain=plain, web_url=web_url)
            env.globals.update(links=dashboard, brand=branding, series=TREND_SERIES,
                               color=hex_color, css=CSS)
        self.dashboard = dashboard
        self.branding = branding

    def owner(self, digest: OwnerDigest) -> RenderedDigest:
        waiting = digest.pending_total + len(digest.waiting)
        if waiting:
            noun = "change waits" if waiting == 1 else "changes wait"
            subject = f"{waiting} {noun} on you"
        else:
            subject = "nothing waits on you"
        context = {"digest": digest}
        return RenderedDigest(
            subject=f"[{self.branding.bot}] {digest.week}: {subject}",
            text=self._text.get_template("owner.txt").render(context),
            html=self._html.get_template("owner.html").render(context),
        )

    def project(self, digest: ProjectDigest) -> RenderedDigest:
        chart = trend_chart(digest.trend)
        image = InlineImage(f"trend-{digest.week}@{self.branding.bot}", chart.png,
                            f"trend-{digest.week}.png")
        context = {"digest": digest, "chart": chart, "chart_cid": image.cid,
                   "trend_width": _trend_bars(digest)}
        subject = (
            f"[{self.branding.bot}] {self.branding.distribution} upstream digest "
            f"{digest.week}: {digest.pending_changes} changes pending, "
            f"{digest.upstreamed_total} upstreamed"
        )
        return RenderedDigest(
            subject=subject,
            text=self._text.get_template("project.txt").render(context),
            html=self._html.get_template("project.html").render(context),
            images=(image,),
        )
