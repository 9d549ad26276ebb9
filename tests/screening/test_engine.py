"""The screener on the real UN list: spellings, scripts, schemata, evidence, explanation."""

from __future__ import annotations

import pytest

from tripwire.screening import Query, QueryError, Screener


def _top(screener: Screener, name: str, **kwargs: object):  # type: ignore[no-untyped-def]
    matches = screener.screen(Query.create(name, **kwargs), limit=5, threshold=0.0)  # type: ignore[arg-type]
    assert matches, name
    return matches[0]


@pytest.mark.parametrize(
    "name",
    [
        "Mohammed Salahaldin Abd El Halim",  # as listed, natural order
        "ABD EL HALIM, Mohammed Salahaldin",  # surname first
        "Mohamed Salahaldin Abd El Halim",  # one romanisation
        "Mohammed Salahadlin Abd El Halim",  # a transposition
        "Mohammed Salahaldin Abdel Halim",  # joined
        "محمد صلاح الدين عبدالحليم زيدان",  # the original script the UN gives
    ],
)
def test_spellings_find_the_listed_person(un_screener: Screener, name: str) -> None:
    top = _top(un_screener, name, schema="Person")
    assert (top.source, top.source_ref) == ("un_sc", "QDi.001")


def test_an_exact_name_scores_above_the_default_threshold(un_screener: Screener) -> None:
    top = _top(un_screener, "Ri Won Ho", schema="Person")
    assert top.source_ref == "KPi.033" and top.score >= un_screener.threshold


def test_an_ordinary_name_does_not_alert(un_screener: Screener) -> None:
    query = Query.create("Margaret Elizabeth Thompson", schema="Person")
    assert un_screener.screen(query) == []


def test_a_person_query_never_hits_an_organisation(un_screener: Screener) -> None:
    matches = un_screener.screen(Query.create("Koryo Bank", schema="Person"), threshold=0.0)
    assert all(m.schema == "Person" for m in matches)
    org = _top(un_screener, "Koryo Bank", schema="Organization")
    assert org.source_ref == "KPe.045"


def test_birth_date_moves_the_score_both_ways(un_screener: Screener) -> None:
    plain = _top(un_screener, "Ri Won Ho", schema="Person").score
    same = _top(un_screener, "Ri Won Ho", schema="Person", birth_date="1964-07-17").score
    other = _top(un_screener, "Ri Won Ho", schema="Person", birth_date="1990-01-01").score
    assert other < plain < same


def test_country_moves_the_score_both_ways(un_screener: Screener) -> None:
    plain = _top(un_screener, "Amin Muhammad Ul Haq", schema="Person").score
    same = _top(un_screener, "Amin Muhammad Ul Haq", schema="Person", countries="af").score
    other = _top(un_screener, "Amin Muhammad Ul Haq", schema="Person", countries="br").score
    assert other < plain < same


def test_explanation_names_list_entry_names_and_features(un_screener: Screener) -> None:
    top = _top(un_screener, "Ri Won Ho", schema="Person", birth_date="1964")
    explanation = top.explanation
    assert top.entity_id.startswith("unsc-") and top.list_name
    assert explanation["query_name"] == "Ri Won Ho"
    assert explanation["compared"]["birth_date"].startswith("1964 vs 1964")
    features = {f["feature"]: f for f in explanation["features"]}
    assert features["dob_year"]["contribution"] > 0
    total = explanation["bias"] + sum(f["contribution"] for f in explanation["features"])
    import math

    assert math.isclose(1 / (1 + math.exp(-total)), top.score, abs_tol=1e-3)


def test_compare_uses_the_same_scorer(un_screener: Screener) -> None:
    same = un_screener.compare(
        Query.create("Dmitry Peskov", schema="Person"),
        Query.create("PESKOV, Dmitriy Sergeyevich", schema="Person"),
    )
    other = un_screener.compare(
        Query.create("Dmitry Peskov", schema="Person"),
        Query.create("Ivan Petrov", schema="Person"),
    )
    assert same.score > 0.5 > other.score


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"names": ""}, "name"),
        ({"names": " ,.-"}, "name"),
        ({"names": "Ivan", "schema": "Spaceship"}, "schema"),
        ({"names": "Ivan", "birth_date": "1970-13"}, "birth_date"),
        ({"names": "Ivan", "birth_date": "12/03/1970"}, "birth_date"),
        ({"names": "Ivan", "countries": "Narnia"}, "country"),
    ],
)
def test_bad_queries_name_the_field(kwargs: dict[str, str], field: str) -> None:
    names = kwargs.pop("names")
    with pytest.raises(QueryError) as info:
        Query.create(names, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_huge_and_mixed_script_names_are_screened_not_crashed(un_screener: Screener) -> None:
    un_screener.screen(Query.create("Ri Won Ho " * 2000, schema="Person"))
    mixed = _top(un_screener, "Ri Won Хо", schema="Person")
    assert mixed.source_ref == "KPi.033"


def test_a_query_without_schema_reads_the_name_both_ways(un_screener: Screener) -> None:
    query = Query.create("Ri Won Ho")
    assert ("ri", "won", "ho") in query.tokens
    top = un_screener.screen(query, threshold=0.0)[0]
    assert top.source_ref == "KPi.033" and top.score >= un_screener.threshold
