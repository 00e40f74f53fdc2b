"""Planning a world: decks deal every card once a round, names are the given ones then
generated ones, and a package's plan depends on the seed and its name alone."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from bot.sandbox.seed_names import SeedNameError, package_names
from bot.sandbox.seed_packages import plan_package
from bot.sandbox.seed_plan import PROFILE_DECK, Dealer, Deck, seeded_random

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_deck_deals_each_card_once_a_round():
    cards = ["a", "b", "b", "c"]
    deck = Deck(cards, seeded_random("deck-test"))
    first = [deck.deal() for _ in cards]
    second = [deck.deal() for _ in cards]
    assert Counter(first) == Counter(cards) == Counter(second)
    assert first != second or first != cards


@pytest.mark.parametrize(
    ("count", "names", "expected"),
    [
        (3, None, ["pkg-0001", "pkg-0002", "pkg-0003"]),
        (3, ["bash", "glibc"], ["bash", "glibc", "pkg-0001"]),
        (1, ["bash", "glibc"], ["bash"]),
        (2, ["pkg-0001"], ["pkg-0001", "pkg-0002"]),
        (0, ["bash"], []),
    ],
    ids=["generated", "given-then-generated", "fewer-than-given", "no-clash", "none"],
)
def test_package_names(count: int, names: list[str] | None, expected: list[str]):
    assert package_names(count, names) == expected


@pytest.mark.parametrize(
    ("count", "names", "message"),
    [
        (2, ["bash", "bash"], "given twice"),
        (1, ["bad name"], "letters, digits"),
        (-1, None, "negative"),
    ],
    ids=["duplicate", "space", "negative"],
)
def test_bad_names_are_refused(count: int, names: list[str] | None, message: str):
    with pytest.raises(SeedNameError, match=message):
        package_names(count, names)


def _plans(seed: int, count: int = 30) -> list:
    dealer = Dealer.from_seed(seed)
    return [
        plan_package(name, seed=seed, dealer=dealer, now=NOW) for name in package_names(count, None)
    ]


def test_plans_depend_on_the_seed():
    assert _plans(0) == _plans(0)
    assert _plans(0) != _plans(1)


def test_every_profile_is_dealt_to_modified_packages():
    plans = _plans(0, count=3 * len(PROFILE_DECK))
    modified = [plan for plan in plans if plan.modified]
    assert len(modified) == len(PROFILE_DECK)
    assert Counter(plan.profile for plan in modified) == Counter(PROFILE_DECK)
    assert all(plan.profile is None and not plan.branches for plan in plans if not plan.modified)


def test_every_item_is_on_a_branch_of_its_package():
    for plan in _plans(2, count=60):
        for item in plan.items:
            assert item.branches and set(item.branches) <= set(plan.branches)
            assert (NOW - item.since).days in range(60, 731)
