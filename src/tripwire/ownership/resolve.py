"""Names of imported parties resolved to list entities through the screening engine.

The match score is kept as the resolution's confidence and becomes the
confidence of every edge through that party: a proof resting on a 0.62 name
match says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from tripwire.screening.engine import Screener
from tripwire.screening.query import Query, QueryError

# FtM schemas of parties worth resolving, and the query schema each is screened as.
PARTY_SCHEMAS = {
    "Person": "Person",
    "Company": "Company",
    "Organization": "Organization",
    "LegalEntity": "LegalEntity",
    "PublicBody": "PublicBody",
}


@dataclass(frozen=True, slots=True)
class Resolution:
    entity_id: str
    source: str
    caption: str
    score: float


class Resolver(Protocol):
    def __call__(
        self,
        names: Iterable[str],
        schema: str | None,
        countries: Iterable[str] = (),
        identifiers: Iterable[str] = (),
    ) -> Resolution | None: ...


# A wrong resolution puts a wrong owner into a proof, so it takes a much surer match than a
# screening alert does (tunable: ``tripwire graph import --min-score``).
MIN_SCORE = 0.8


class ScreenerResolver:
    """The best match scoring at least ``threshold`` (default MIN_SCORE), skipping ``exclude``.

    Sources are skipped so that a file imported both as a list and as a graph
    does not resolve its parties to themselves.
    """

    def __init__(
        self, screener: Screener, *, threshold: float | None = None, exclude: Iterable[str] = ()
    ) -> None:
        self.screener = screener
        self.threshold = MIN_SCORE if threshold is None else threshold
        self.exclude = frozenset(exclude)

    def __call__(
        self,
        names: Iterable[str],
        schema: str | None,
        countries: Iterable[str] = (),
        identifiers: Iterable[str] = (),
    ) -> Resolution | None:
        names = [n for n in names if n and n.strip()]
        if not names:
            return None
        try:
            query = Query.create(
                names,
                schema=PARTY_SCHEMAS.get(schema or "") or None,
                countries=list(countries),
                identifiers=list(identifiers),
            )
        except QueryError:
            try:  # a bad country or identifier should not lose the name
                query = Query.create(names, schema=PARTY_SCHEMAS.get(schema or "") or None)
            except QueryError:
                return None
        for match in self.screener.screen(query, limit=10, threshold=self.threshold):
            if match.source not in self.exclude:
                return Resolution(match.entity_id, match.source, match.caption, match.score)
        return None
