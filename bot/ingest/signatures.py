"""How each forge signs a webhook delivery, and whether a delivery's signature is genuine.

`sign_<forge>(secret, body)` returns the header(s) that forge sends; `verify_<forge>(secret,
body, headers)` checks them in constant time. Only the raw body is signed, so verification
must see the bytes exactly as received. An empty secret never verifies: a hook without a
secret proves nothing about who sent it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from enum import StrEnum

Secret = str | bytes
Headers = Mapping[str, str]


class Scheme(StrEnum):
    """A forge's webhook signing scheme (Forgejo signs like Gitea, under its own header too)."""

    GITHUB = "github"
    GITLAB = "gitlab"
    GITEA = "gitea"
    FORGEJO = "forgejo"
    PAGURE = "pagure"


def _key(secret: Secret) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _hex(secret: Secret, body: bytes, digest: str = "sha256") -> str:
    return hmac.new(_key(secret), body, digest).hexdigest()


def _header(headers: Headers, name: str) -> str | None:
    """The header's value whatever its case (plain dicts are case-sensitive, HTTP is not)."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _same(expected: str, given: str | None) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(expected.encode("ascii"), given.strip().lower().encode("ascii"))


def _hmac_matches(
    secret: Secret, body: bytes, given: str | None, *, prefix: str = "", digest: str = "sha256"
) -> bool:
    if not _key(secret) or given is None or not given.isascii():
        return False
    return _same(prefix + _hex(secret, body, digest), given)


# -- GitHub: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256 (and the legacy SHA-1 one) ---


def sign_github(secret: Secret, body: bytes) -> dict[str, str]:
    return {
        "X-Hub-Signature-256": f"sha256={_hex(secret, body)}",
        "X-Hub-Signature": f"sha1={_hex(secret, body, 'sha1')}",
    }


def verify_github(secret: Secret, body: bytes, headers: Headers) -> bool:
    """Only the SHA-256 header counts; GitHub calls the SHA-1 one legacy."""
    return _hmac_matches(secret, body, _header(headers, "X-Hub-Signature-256"), prefix="sha256=")


# -- GitLab: X-Gitlab-Token carries the secret itself, no HMAC -------------------------------


def sign_gitlab(secret: Secret, body: bytes) -> dict[str, str]:
    del body  # GitLab does not sign the body; the token is the whole proof
    return {"X-Gitlab-Token": _key(secret).decode("utf-8")}


def verify_gitlab(secret: Secret, body: bytes, headers: Headers) -> bool:
    del body
    given = _header(headers, "X-Gitlab-Token")
    if not _key(secret) or given is None:
        return False
    return hmac.compare_digest(_key(secret), given.encode("utf-8"))


# -- Gitea / Forgejo: bare hex HMAC-SHA256, repeated under GitHub's and Gogs' names ----------


def sign_gitea(secret: Secret, body: bytes) -> dict[str, str]:
    signature = _hex(secret, body)
    return {
        "X-Gitea-Signature": signature,
        "X-Gogs-Signature": signature,
        "X-Hub-Signature-256": f"sha256={signature}",
        "X-Hub-Signature": f"sha1={_hex(secret, body, 'sha1')}",
    }


def sign_forgejo(secret: Secret, body: bytes) -> dict[str, str]:
    return {"X-Forgejo-Signature": _hex(secret, body), **sign_gitea(secret, body)}


def verify_gitea(secret: Secret, body: bytes, headers: Headers) -> bool:
    """Accepts Forgejo's header as well, since Fedora's Forgejo speaks Gitea's API."""
    given = _header(headers, "X-Gitea-Signature") or _header(headers, "X-Forgejo-Signature")
    return _hmac_matches(secret, body, given)


def verify_forgejo(secret: Secret, body: bytes, headers: Headers) -> bool:
    given = _header(headers, "X-Forgejo-Signature") or _header(headers, "X-Gitea-Signature")
    return _hmac_matches(secret, body, given)


# -- Pagure: hex HMAC-SHA256 in X-Pagure-Signature-256, hex HMAC-SHA1 in X-Pagure-Signature --


def sign_pagure(secret: Secret, body: bytes) -> dict[str, str]:
    return {
        "X-Pagure-Signature-256": _hex(secret, body),
        "X-Pagure-Signature": _hex(secret, body, "sha1"),
    }


def verify_pagure(secret: Secret, body: bytes, headers: Headers) -> bool:
    """SHA-256 when present; SHA-1 only from a Pagure too old to send SHA-256."""
    strong = _header(headers, "X-Pagure-Signature-256")
    if strong is not None:
        return _hmac_matches(secret, body, strong)
    return _hmac_matches(secret, body, _header(headers, "X-Pagure-Signature"), digest="sha1")


Signer = Callable[[Secret, bytes], dict[str, str]]
Verifier = Callable[[Secret, bytes, Headers], bool]

SIGNERS: dict[Scheme, Signer] = {
    Scheme.GITHUB: sign_github,
    Scheme.GITLAB: sign_gitlab,
    Scheme.GITEA: sign_gitea,
    Scheme.FORGEJO: sign_forgejo,
    Scheme.PAGURE: sign_pagure,
}
VERIFIERS: dict[Scheme, Verifier] = {
    Scheme.GITHUB: verify_github,
    Scheme.GITLAB: verify_gitlab,
    Scheme.GITEA: verify_gitea,
    Scheme.FORGEJO: verify_forgejo,
    Scheme.PAGURE: verify_pagure,
}


def sign(scheme: Scheme | str, secret: Secret, body: bytes) -> dict[str, str]:
    """The signature headers of `scheme`; raises ValueError naming the known schemes."""
    return SIGNERS[_scheme(scheme)](secret, body)


def verify(scheme: Scheme | str, secret: Secret, body: bytes, headers: Headers) -> bool:
    return VERIFIERS[_scheme(scheme)](secret, body, headers)


def _scheme(name: Scheme | str) -> Scheme:
    try:
        return Scheme(name)
    except ValueError:
        known = ", ".join(s.value for s in Scheme)
        raise ValueError(f"unknown webhook scheme {name!r}: use one of {known}") from None
