"""Maps a URL a patch header declares (`https://github.com/o/p/pull/7`) to the configured
forge that serves it, the repository, and what it points at (a change request or a commit)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from bot.forges.base import RepoRef
from bot.settings import ForgeType, Settings

#: The public host each forge type stands for, so a real URL in a header reaches the
#: configured forge of that type (the sandbox serves it on 127.0.0.1).
PUBLIC_HOSTS: Mapping[ForgeType, str] = {
    ForgeType.GITHUB: "github.com",
    ForgeType.GITLAB: "gitlab.com",
    ForgeType.PAGURE: "src.fedoraproject.org",
}

_URL = re.compile(r"https?://[^\s<>()\[\]\"']+")
_REQUEST = re.compile(
    r"^/(?P<repo>.+?)/(?:-/)?(?:pull|pulls|merge_requests|pull-request)/(?P<n>\d+)"
)
_COMMIT = re.compile(r"^/(?P<repo>.+?)/(?:-/)?(?:commit|c)/(?P<sha>[0-9a-fA-F]{7,40})")


class UrlKind(StrEnum):
    REQUEST = "request"
    COMMIT = "commit"


@dataclass(frozen=True, slots=True)
class ForgeLink:
    """A declared URL resolved to a place on one configured forge."""

    url: str
    forge: str
    repo: RepoRef
    kind: UrlKind
    number: int | None = None
    sha: str | None = None


@dataclass(frozen=True, slots=True)
class UrlMap:
    """Host (lower case, with port when not default) → configured forge name."""

    hosts: Mapping[str, str]

    def links(self, texts: tuple[str, ...]) -> tuple[ForgeLink, ...]:
        """Every URL in `texts` that names a request or commit on a known forge, once each."""
        found: dict[str, ForgeLink] = {}
        for text in texts:
            for match in _URL.finditer(text):
                url = match[0].rstrip(".,;:")
                if url not in found and (link := self.link(url)) is not None:
                    found[url] = link
        return tuple(found.values())

    def link(self, url: str) -> ForgeLink | None:
        parts = urlsplit(url)
        forge = self.hosts.get(parts.netloc.lower())
        if forge is None:
            return None
        if request := _REQUEST.match(parts.path):
            repo = _repo(request["repo"])
            if repo is not None:
                return ForgeLink(url, forge, repo, UrlKind.REQUEST, number=int(request["n"]))
        if commit := _COMMIT.match(parts.path):
            repo = _repo(commit["repo"])
            if repo is not None:
                return ForgeLink(url, forge, repo, UrlKind.COMMIT, sha=commit["sha"].lower())
        return None


def url_map_from_settings(settings: Settings) -> UrlMap:
    """Each forge answers for its own configured host and for its type's public host."""
    hosts: dict[str, str] = {}
    for forge in settings.forges:
        public = PUBLIC_HOSTS.get(forge.type)
        if public is not None:
            hosts.setdefault(public, forge.name)
        for url in (forge.url, forge.api_url):
            netloc = urlsplit(url).netloc.lower()
            if netloc:
                hosts.setdefault(netloc, forge.name)
    return UrlMap(hosts)


def _repo(path: str) -> RepoRef | None:
    try:
        return RepoRef.parse(path)
    except ValueError:
        return None
