"""Webhook signatures: each forge's real scheme, checked against recorded and computed samples."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from bot.ingest.signatures import (
    Scheme,
    sign,
    sign_forgejo,
    sign_github,
    sign_pagure,
    verify,
    verify_forgejo,
    verify_gitea,
    verify_github,
    verify_gitlab,
    verify_pagure,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "webhooks"
SECRET = "sandbox-webhook-secret"

#: (scheme, sample name in tests/data/webhooks)
SAMPLES = [
    (Scheme.GITHUB, "github.issue_comment"),
    (Scheme.GITLAB, "gitlab.note"),
    (Scheme.GITEA, "gitea.issue_comment"),
    (Scheme.FORGEJO, "gitea.issue_comment"),
    (Scheme.PAGURE, "pagure.pull-request.comment.added"),
]
IDS = [f"{scheme}-{name}" for scheme, name in SAMPLES]


def _sample(name: str) -> tuple[bytes, dict[str, str]]:
    body = (DATA / f"{name}.json").read_bytes()
    headers = json.loads((DATA / f"{name}.headers.json").read_text(encoding="utf-8"))
    return body, headers


def _hex(body: bytes, digest: str = "sha256", secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, digest).hexdigest()


@pytest.mark.parametrize(("scheme", "name"), SAMPLES, ids=IDS)
def test_recorded_sample_verifies(scheme: Scheme, name: str):
    body, headers = _sample(name)
    assert verify(scheme, SECRET, body, headers)


@pytest.mark.parametrize(("scheme", "name"), SAMPLES, ids=IDS)
def test_a_changed_body_or_secret_does_not_verify(scheme: Scheme, name: str):
    body, headers = _sample(name)
    assert not verify(scheme, "another-secret", body, headers)
    if scheme is not Scheme.GITLAB:  # GitLab's token does not depend on the body
        assert not verify(scheme, SECRET, body.replace(b'"', b"'", 1), headers)


@pytest.mark.parametrize(("scheme", "name"), SAMPLES, ids=IDS)
def test_missing_signature_or_empty_secret_never_verifies(scheme: Scheme, name: str):
    body, headers = _sample(name)
    assert not verify(scheme, SECRET, body, {"Content-Type": "application/json"})
    assert not verify(scheme, "", body, headers)
    assert not verify(scheme, b"", body, headers)


@pytest.mark.parametrize(("scheme", "name"), SAMPLES, ids=IDS)
def test_sign_then_verify_round_trips_with_any_header_case(scheme: Scheme, name: str):
    body, _ = _sample(name)
    signed = sign(scheme, SECRET, body)
    assert verify(scheme, SECRET, body, signed)
    assert verify(scheme, SECRET.encode(), body, {k.upper(): v for k, v in signed.items()})


@pytest.mark.parametrize(
    ("scheme", "header", "expected"),
    [
        (Scheme.GITHUB, "X-Hub-Signature-256", lambda b: "sha256=" + _hex(b)),
        (Scheme.GITHUB, "X-Hub-Signature", lambda b: "sha1=" + _hex(b, "sha1")),
        (Scheme.GITLAB, "X-Gitlab-Token", lambda b: SECRET),
        (Scheme.GITEA, "X-Gitea-Signature", lambda b: _hex(b)),
        (Scheme.GITEA, "X-Hub-Signature-256", lambda b: "sha256=" + _hex(b)),
        (Scheme.FORGEJO, "X-Forgejo-Signature", lambda b: _hex(b)),
        (Scheme.PAGURE, "X-Pagure-Signature-256", lambda b: _hex(b)),
        (Scheme.PAGURE, "X-Pagure-Signature", lambda b: _hex(b, "sha1")),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_signatures_equal_pythons_hmac(scheme: Scheme, header: str, expected):
    body = b'{"action": "created"}'
    assert sign(scheme, SECRET, body)[header] == expected(body)


def test_github_documented_test_vector():
    # the example GitHub's "Validating webhook deliveries" page gives for checking an
    # implementation: this secret and payload must give this signature
    headers = sign_github("It's a Secret to Everybody", b"Hello, World!")
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert headers["X-Hub-Signature-256"] == expected
    given = {"x-hub-signature-256": expected}
    assert verify_github("It's a Secret to Everybody", b"Hello, World!", given)


def test_github_legacy_sha1_alone_is_not_enough():
    body = b"{}"
    assert not verify_github(SECRET, body, {"X-Hub-Signature": "sha1=" + _hex(body, "sha1")})


def test_gitlab_token_is_compared_exactly():
    assert verify_gitlab(SECRET, b"", {"X-Gitlab-Token": SECRET})
    assert not verify_gitlab(SECRET, b"", {"X-Gitlab-Token": SECRET + " "})
    assert not verify_gitlab(SECRET, b"", {"X-Gitlab-Token": SECRET[:-1]})


def test_pagure_falls_back_to_sha1_only_without_sha256():
    body = b'{"topic": "git.receive"}'
    sha1_only = {"X-Pagure-Signature": _hex(body, "sha1")}
    assert verify_pagure(SECRET, body, sha1_only)
    wrong_strong = {**sha1_only, "X-Pagure-Signature-256": _hex(body, secret="other")}
    assert not verify_pagure(SECRET, body, wrong_strong)


def test_forgejo_and_gitea_read_each_others_header():
    body = b"{}"
    only_forgejo = {"X-Forgejo-Signature": _hex(body)}
    only_gitea = {"X-Gitea-Signature": _hex(body)}
    assert verify_gitea(SECRET, body, only_forgejo)
    assert verify_forgejo(SECRET, body, only_gitea)


@pytest.mark.parametrize(
    "given",
    ["sha256=" + "0" * 64, "not hex at all", "sha256=\u00e9\u00e9", ""],
    ids=["zeros", "garbage", "non-ascii", "empty"],
)
def test_malformed_signatures_are_rejected_not_raised(given: str):
    body = b"{}"
    assert not verify_github(SECRET, body, {"X-Hub-Signature-256": given})
    assert not verify_gitea(SECRET, body, {"X-Gitea-Signature": given})
    assert not verify_pagure(SECRET, body, {"X-Pagure-Signature-256": given})


def test_unknown_scheme_names_the_known_ones():
    with pytest.raises(ValueError, match="use one of github, gitlab, gitea, forgejo, pagure"):
        sign("bitbucket", SECRET, b"")


# -- real deliveries from the corpus ---------------------------------------------------------


@pytest.mark.corpus
def test_pagure_unit_test_envelope_verifies(corpus: Path):
    # Pagure's own unit test signs this body with the test project's key "aaabbbccc"
    folder = corpus / "forges" / "pagure"
    body = (folder / "webhook.envelope.pagure-unit-test.body").read_bytes()
    headers = json.loads(
        (folder / "webhook.envelope.pagure-unit-test.headers.json").read_text(encoding="utf-8")
    )
    assert verify_pagure("aaabbbccc", body, headers)
    assert verify_pagure("aaabbbccc", body, {"X-Pagure-Signature": headers["X-Pagure-Signature"]})
    assert not verify_pagure("aaabbbccd", body, headers)
    assert sign_pagure("aaabbbccc", body) == {
        "X-Pagure-Signature-256": headers["X-Pagure-Signature-256"],
        "X-Pagure-Signature": headers["X-Pagure-Signature"],
    }


@pytest.mark.corpus
def test_forgejo_delivery_has_the_header_set_we_sign(corpus: Path):
    # The secret of this real Forgejo delivery is not public, so only its shape can be checked:
    # one HMAC-SHA256 repeated under every name, which is what sign_forgejo produces.
    headers = json.loads(
        (corpus / "forges" / "gitea" / "forgejo.push.headers.json").read_text(encoding="utf-8")
    )
    ours = sign_forgejo(SECRET, b"{}")
    signature_names = {k.lower() for k in headers if "signature" in k.lower()}
    assert signature_names == {k.lower() for k in ours}
    digest = headers["x-forgejo-signature"]
    assert headers["x-gitea-signature"] == digest
    assert headers["x-hub-signature-256"] == f"sha256={digest}"
    body = (corpus / "forges" / "gitea" / "forgejo.push.json").read_bytes()
    assert not verify_forgejo(SECRET, body, headers)


@pytest.mark.corpus
def test_hashlib_agrees_with_the_recorded_pagure_sha1(corpus: Path):
    folder = corpus / "forges" / "pagure"
    body = (folder / "webhook.envelope.pagure-unit-test.body").read_bytes()
    recorded = json.loads(
        (folder / "webhook.envelope.pagure-unit-test.headers.json").read_text(encoding="utf-8")
    )
    assert hmac.new(b"aaabbbccc", body, hashlib.sha1).hexdigest() == recorded["X-Pagure-Signature"]
