"""Score one query against one listed party: the one scoring implementation of tripwire.

Screening, comparison, batch (and later payments and trade) all end here.
The best (query name, list name) pair is chosen by the name part of the model,
then birth date, country and identifier features are added, and the model
turns the whole into a probability with an explanation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tripwire.screening.features import (
    GROUP_COUNTRY,
    GROUP_DOB,
    GROUP_IDENTIFIER,
    birth_date_features,
    country_features,
    identifier_features,
    name_vector,
)
from tripwire.screening.model import ScoringModel
from tripwire.screening.names import (
    NameComparison,
    Prepared,
    Rarity,
    compare_names,
    prepare_query,
)
from tripwire.screening.query import Query
from tripwire.screening.targets import Target


@dataclass(frozen=True, slots=True)
class Scored:
    """A scored pair: the score, the names that decided it, and why."""

    score: float
    query_name: str
    list_name: str
    name_kind: str
    vector: list[float]
    comparison: NameComparison
    compared: dict[str, str] = field(default_factory=dict)

    def explanation(self, model: ScoringModel) -> dict[str, Any]:
        return {
            "query_name": self.query_name,
            "list_name": self.list_name,
            "list_name_kind": self.name_kind,
            "aligned": [
                {
                    "query": p.query,
                    "list": p.listed,
                    "similarity": round(p.similarity, 3),
                    "how": p.kind,
                }
                for p in self.comparison.pairs
            ],
            "unmatched_query_tokens": list(self.comparison.unmatched_query_tokens),
            "unmatched_list_tokens": list(self.comparison.unmatched_list_tokens),
            "compared": self.compared,
            "features": model.contributions(self.vector),
            "bias": round(model.bias, 4),
        }


def score_pair(
    model: ScoringModel,
    rarity: Rarity,
    query: Query,
    target: Target,
    names: Sequence[tuple[str, Prepared | tuple[str, ...], str]],
    prepared: Sequence[Prepared] | None = None,
) -> Scored:
    """Score ``query`` against ``target``; names are (text, tokens or Prepared, kind).

    The index supplies list names already :class:`Prepared`, and the screener the
    query's names (``prepared``, one per ``query.tokens``), so that per-pair work is
    only what depends on both sides.
    """
    sides = prepared or [prepare_query(t, rarity) for t in query.tokens]
    best: tuple[float, int, int, NameComparison, list[float]] | None = None
    for qi, q_side in enumerate(sides):
        for ni, (_text, l_side, kind) in enumerate(names):
            comparison = compare_names(q_side, l_side, target.schema, rarity)
            vector = name_vector(comparison, kind)
            logit = model.name_logit(vector)
            if best is None or logit > best[0]:
                best = (logit, qi, ni, comparison, vector)
    assert best is not None, "a target always has names and a query always has tokens"
    _logit, qi, ni, comparison, vector = best
    text, _tokens, kind = names[ni]
    full, compared = complete(query, target, vector)
    return Scored(
        score=model.probability(full),
        query_name=query.names[qi],
        list_name=text,
        name_kind=kind,
        vector=full,
        comparison=comparison,
        compared=compared,
    )


def complete(
    query: Query, target: Target, name_features: Sequence[float]
) -> tuple[list[float], dict[str, str]]:
    """The whole feature vector from the name features, and what else was compared."""
    dob, dob_shown = birth_date_features(query, target)
    country, country_shown = country_features(query, target)
    ident, ident_shown = identifier_features(query, target)
    compared = {}
    if dob_shown:
        compared["birth_date"] = f"{query.birth_date} vs {dob_shown}"
    if country_shown:
        compared["country"] = f"{', '.join(query.countries)} vs {country_shown}"
    if ident_shown:
        compared["identifier"] = f"{', '.join(query.identifiers)} vs {ident_shown}"
    return list(name_features) + dob + country + ident, compared


def max_other_logit(model: ScoringModel, query: Query) -> float:
    """The most the non-name features can add to the log-odds for this query.

    Each group (birth date, country, identifier) sets at most one feature, and only
    when the query gives that attribute; a pair whose name log-odds plus this cannot
    reach the threshold is not worth finishing.
    """
    weights = model.weights
    groups = (
        (GROUP_DOB, query.birth_date is not None),
        (GROUP_COUNTRY, bool(query.countries)),
        (GROUP_IDENTIFIER, bool(query.identifiers)),
    )
    most = 0.0
    for columns, given in groups:
        if given:
            most += max(0.0, *(float(weights[c]) for c in columns))
    return most
