"""Token alignment and the name features it yields."""

from __future__ import annotations

from tripwire.screening.names import Rarity, compare_names, token_similarity
from tripwire.screening.normalize import tokenize

FLAT = Rarity({}, default=0.5)


def _compare(query: str, listed: str, schema: str = "Person", rarity: Rarity = FLAT):  # type: ignore[no-untyped-def]
    return compare_names(tokenize(query, schema), tokenize(listed, schema), schema, rarity)


def test_typos_cost_less_in_longer_words() -> None:
    assert token_similarity("petrov", "petrov") == 1.0
    assert token_similarity("dmitry", "dmitriy") == 0.95
    assert token_similarity("ivan", "iwan") == 0.95  # w and v are one romanisation apart
    short = token_similarity("ivan", "ivar")
    long = token_similarity("rotenberg", "rotenbreg")
    assert 0.6 < short < long < 0.95
    assert token_similarity("timchenko", "timhcenko") > 0.8  # a transposition is one edit
    assert token_similarity("ivan", "olga") < 0.6


def test_word_order_does_not_matter() -> None:
    natural = _compare("Dmitry Peskov", "PESKOV, Dmitriy")
    assert natural.query_coverage > 0.95 and natural.list_coverage > 0.95


def test_missing_patronymic_costs_little_and_extra_words_count() -> None:
    without = _compare("Dmitry Peskov", "Dmitriy Sergeyevich PESKOV")
    assert without.query_coverage > 0.95
    assert without.list_coverage > 0.7  # the patronymic weighs a third of a name part
    assert without.first_last == 1.0
    extra = _compare("Dmitry Ivanovich Peskov Smith", "PESKOV, Dmitriy")
    assert extra.unmatched_query > 0 and "smith" in extra.unmatched_query_tokens


def test_joined_and_split_words_align() -> None:
    joined = _compare("IGOR NIKOLAEVICHGUTNIK", "GUTNIK, Igor Nikolaevich")
    assert joined.query_coverage == 1.0 and joined.list_coverage == 1.0
    assert any(p.kind == "joined" for p in joined.pairs)
    split = _compare("HALEEL COMMODITIES", "HALEELCOMMODITIES", "Organization")
    assert split.query_coverage == 1.0


def test_initials_align_with_the_names_they_stand_for() -> None:
    result = _compare("V. V. Putin", "PUTIN, Vladimir Vladimirovich")
    assert result.initials == 2.0
    assert {p.kind for p in result.pairs} == {"token", "initial"}


def test_rare_words_weigh_more_than_common_ones() -> None:
    rarity = Rarity({"mohamed": 0.1, "trading": 0.1, "zakirov": 0.9}, default=0.9)
    common = compare_names(("mohammed", "zakirov"), ("mohammed", "ali"), "Person", rarity)
    rare = compare_names(("mohammed", "zakirov"), ("ali", "zakirov"), "Person", rarity)
    assert rare.query_coverage > common.query_coverage


def test_exact_ignores_legal_forms() -> None:
    result = _compare("Romashka LLC", "OOO Romashka", "Company")
    assert result.exact == 1.0
