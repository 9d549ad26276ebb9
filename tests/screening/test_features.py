"""Secondary evidence: birth dates, countries, identifiers; and the identifier forms."""

from __future__ import annotations

import pytest

from tripwire.screening.features import birth_date_features, country_features, identifier_features
from tripwire.screening.identifiers import guess_kind, is_imo, normalize_identifier
from tripwire.screening.query import Query
from tripwire.screening.targets import Target


def _target(**kwargs: object) -> Target:
    base: dict[str, object] = {
        "entity_id": "t",
        "source": "test",
        "source_ref": "1",
        "schema": "Person",
        "caption": "X",
        "names": (("X", "name"),),
    }
    base.update(kwargs)
    return Target(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "listed", "years", "expected"),
    [
        ("1964-07-17", ("1964-07-17",), (), [1, 0, 0, 0]),
        ("1964-07", ("1964-07-17",), (), [1, 0, 0, 0]),
        ("1964", ("1964-07-17",), (), [0, 1, 0, 0]),
        ("1964-01-02", ("1964-07-17",), (), [0, 1, 0, 0]),
        ("1965", ("1964-07-17",), (), [0, 0, 1, 0]),
        ("1990", ("1964-07-17",), (), [0, 0, 0, 1]),
        ("1961", (), (1960, 1961, 1962), [0, 1, 0, 0]),  # a range or circa on the list
        ("1990", (), (), [0, 0, 0, 0]),  # nothing to compare
    ],
)
def test_birth_dates(
    query: str, listed: tuple[str, ...], years: tuple[int, ...], expected: list[int]
) -> None:
    target = _target(birth_dates=listed, birth_years=frozenset(years))
    values, _shown = birth_date_features(Query.create("x", birth_date=query), target)
    assert values == expected


def test_countries() -> None:
    target = _target(countries=frozenset({"ru", "cy"}))
    assert country_features(Query.create("x", countries="Russia"), target)[0] == [1.0, 0.0]
    assert country_features(Query.create("x", countries="br"), target)[0] == [0.0, 1.0]
    assert country_features(Query.create("x"), target)[0] == [0.0, 0.0]


def test_identifiers_match_and_conflict_by_kind() -> None:
    vessel = _target(schema="Vessel", identifiers=(("imo", "9187629", "IMO9187629"),))
    hit, shown = identifier_features(Query.create("x", identifiers="IMO 9187629"), vessel)
    assert hit == [1.0, 0.0] and "9187629" in shown
    other_imo = identifier_features(Query.create("x", identifiers="9074729"), vessel)[0]
    assert other_imo == [0.0, 1.0]
    unknown = identifier_features(Query.create("x", identifiers="A1234"), vessel)[0]
    assert unknown == [0.0, 0.0]  # an unknown number never counts against


def test_identifier_forms() -> None:
    assert normalize_identifier("IMO 9187629") == "9187629"
    assert normalize_identifier("sabrrumm") == "SABRRUMM"
    assert normalize_identifier("SABRRUMMXXX") == "SABRRUMM"
    assert is_imo("9187629") and not is_imo("9187628")
    assert guess_kind("IMO9074729") == "imo"
    assert guess_kind("SABRRUMM") == "bic"
    assert guess_kind("7707083893") == "inn"  # Sberbank's INN
    assert guess_kind("1027700132195") == "ogrn"  # Sberbank's OGRN
    assert guess_kind("253400WSS48YWMBUA688") is None or guess_kind("253400WSS48YWMBUA688") == "lei"
    assert guess_kind("A1234") is None


def test_register_numbers_never_decide_a_match() -> None:
    company = _target(schema="Company", identifiers=(("registration", "HRB12345", "HRB 12345"),))
    query = Query.create("John Smith", identifiers="HRB 12345")
    assert identifier_features(query, company)[0] == [0.0, 0.0]
