"""Secret: printable without leaking, comparable, immutable."""

from __future__ import annotations

import pytest

from bot.settings import Secret


def test_a_secret_shows_where_it_came_from_but_not_its_value():
    secret = Secret("tok-4242", env="UPSTREAM_BOT_GITEA_TOKEN")
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr([secret])):
        assert "tok-4242" not in text
        assert "$UPSTREAM_BOT_GITEA_TOKEN" in text
    assert secret.reveal() == "tok-4242"


def test_a_redacted_form_can_be_shown():
    secret = Secret("postgresql://bot:pw@db/x", env="X", shown="postgresql://bot:***@db/x")
    assert repr(secret) == "Secret('postgresql://bot:***@db/x' from $X)"


@pytest.mark.parametrize(
    ("other", "equal"),
    [
        pytest.param(Secret("tok-ü", env="A"), True, id="same"),
        pytest.param(Secret("tok-x", env="A"), False, id="other-value"),
        pytest.param(Secret("tok-ü", env="B"), False, id="other-variable"),
        pytest.param("tok-ü", False, id="plain-string"),
    ],
)
def test_equality(other, equal):
    assert (Secret("tok-ü", env="A") == other) is equal


def test_a_secret_is_immutable_and_hashable():
    secret = Secret("tok", env="A")
    with pytest.raises(AttributeError):
        secret.env = "B"  # type: ignore[misc]
    assert hash(secret) == hash(Secret("other", env="A"))
