"""The features of a (query, listed party) pair: one number each, with what was compared.

Every feature is documented here once; the description is the text an analyst
sees in an explanation, next to the feature's value, its learned weight and
its contribution to the score. Pure: the index supplies the list side.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tripwire.screening.identifiers import (
    MIN_LENGTH,
    STRONG_KINDS,
    guess_kind,
    normalize_identifier,
)
from tripwire.screening.names import NameComparison
from tripwire.screening.query import Query
from tripwire.screening.targets import Target


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    description: str


NAME_FEATURES: tuple[Feature, ...] = (
    Feature(
        "query_coverage",
        "share of the query name (weighted by token rarity) found in the list name",
    ),
    Feature(
        "list_coverage",
        "share of the list name (weighted by rarity; patronymics and legal forms count "
        "little) found in the query",
    ),
    Feature(
        "mean_similarity",
        "mean similarity of the aligned tokens (1 = identical, 0.95 = same romanisation)",
    ),
    Feature(
        "joined_similarity",
        "similarity of the names written without spaces, in the best word order",
    ),
    Feature(
        "unmatched_query",
        "rarity-weighted sum of query tokens with no counterpart in the list name",
    ),
    Feature(
        "unmatched_list", "rarity-weighted sum of list-name tokens with no counterpart in the query"
    ),
    Feature("single_token", "at most one token matched (a lone common word is weak evidence)"),
    Feature("initials", "number of initials matched to a full name part"),
    Feature(
        "rarity", "rarity of the rarest token pair matched (1 = a word no other list name has)"
    ),
    Feature("exact", "the same words in any order (legal forms aside)"),
    Feature(
        "first_last",
        "share of the list name's first and last words matched (given name and surname)",
    ),
    Feature("weak_alias", "the list name is a weak or low-quality alias"),
)
OTHER_FEATURES: tuple[Feature, ...] = (
    Feature("dob_exact", "birth dates agree to the month or day"),
    Feature("dob_year", "birth years agree"),
    Feature("dob_near", "birth years one year apart"),
    Feature("dob_conflict", "birth dates given on both sides and more than a year apart"),
    Feature("country_match", "a query country is a country of the listed party"),
    Feature("country_conflict", "countries given on both sides and none in common"),
    Feature(
        "id_match", "a unique identifier (IMO, MMSI, passport, INN, OGRN, BIC, LEI) is the same"
    ),
    Feature("id_conflict", "an identifier of the same kind differs"),
)
FEATURES: tuple[Feature, ...] = NAME_FEATURES + OTHER_FEATURES
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
N_NAME = len(NAME_FEATURES)
#: Columns of the one-hot groups of the other features (at most one is set in each).
GROUP_DOB = tuple(range(N_NAME, N_NAME + 4))
GROUP_COUNTRY = (N_NAME + 4, N_NAME + 5)
GROUP_IDENTIFIER = (N_NAME + 6, N_NAME + 7)


def name_vector(comparison: NameComparison, kind: str) -> list[float]:
    return [
        comparison.query_coverage,
        comparison.list_coverage,
        comparison.mean_similarity,
        comparison.joined_similarity,
        comparison.unmatched_query,
        comparison.unmatched_list,
        comparison.single_token,
        comparison.initials,
        comparison.rarity,
        comparison.exact,
        comparison.first_last,
        1.0 if kind == "weak" else 0.0,
    ]


@lru_cache(maxsize=100_000)
def _date_parts(value: str) -> tuple[int, int | None, int | None] | None:
    parts = value.split("-")
    if not parts[0][:4].isdigit():
        return None
    month = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    day = int(parts[2][:2]) if len(parts) > 2 and parts[2][:2].isdigit() else None
    return int(parts[0][:4]), month, day


def birth_date_features(query: Query, target: Target) -> tuple[list[float], str]:
    """(dob_exact, dob_year, dob_near, dob_conflict) and the list date compared."""
    if query.birth_date is None or not (target.birth_dates or target.birth_years):
        return [0.0, 0.0, 0.0, 0.0], ""
    q = _date_parts(query.birth_date)
    if q is None:
        return [0.0, 0.0, 0.0, 0.0], ""
    best = 3  # 0 exact, 1 year, 2 near, 3 conflict
    shown = ""
    for listed in target.birth_dates:
        t = _date_parts(listed)
        if t is None:
            continue
        rank = 3
        if q[0] == t[0]:
            same_month = q[1] is not None and q[1] == t[1]
            day_ok = q[2] is None or t[2] is None or q[2] == t[2]
            rank = 0 if same_month and day_ok else 1
        elif abs(q[0] - t[0]) == 1:
            rank = 2
        if rank < best:
            best, shown = rank, listed
    for year in sorted(target.birth_years):
        rank = 1 if year == q[0] else 2 if abs(year - q[0]) == 1 else 3
        if rank < best:
            best, shown = rank, f"{year} (range or circa)"
    if not shown:
        shown = ", ".join(target.birth_dates) or ", ".join(
            str(y) for y in sorted(target.birth_years)
        )
    values = [0.0, 0.0, 0.0, 0.0]
    values[best] = 1.0
    return values, shown


def country_features(query: Query, target: Target) -> tuple[list[float], str]:
    if not query.countries or not target.countries:
        return [0.0, 0.0], ""
    common = sorted(set(query.countries) & target.countries)
    if common:
        return [1.0, 0.0], ", ".join(common)
    return [0.0, 1.0], ", ".join(sorted(target.countries))


def identifier_features(query: Query, target: Target) -> tuple[list[float], str]:
    """An exact identifier hit; or a conflict when a recognisable kind differs."""
    if not query.identifiers or not target.identifiers:
        return [0.0, 0.0], ""
    listed = {
        value: (kind, raw)
        for kind, value, raw in target.identifiers
        if kind in STRONG_KINDS and len(value) >= MIN_LENGTH
    }
    for value in query.identifiers:
        norm = normalize_identifier(value)
        if norm in listed:
            kind, raw = listed[norm]
            return [1.0, 0.0], f"{kind} {raw}"
    for value in query.identifiers:
        guessed = guess_kind(value)
        if guessed is None:
            continue
        same_kind = [raw for k, _v, raw in target.identifiers if k == guessed]
        if same_kind:
            return [0.0, 1.0], f"{guessed} {', '.join(same_kind)}"
    return [0.0, 0.0], ""
