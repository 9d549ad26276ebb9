"""yente's shapes mapped onto tripwire: example entities to queries, matches to scored entities.

A yente client sends FollowTheMoney example entities (``schema`` and
``properties``) and reads back FtM entities with ``score``, ``match`` and
per-feature ``explanations``. Datasets are our sources; ``default`` (and
yente's ``sanctions``) means every serving list.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from followthemoney import model, registry
from followthemoney.schema import Schema

from tripwire.api.limits import check_names
from tripwire.api.models import EntityExample
from tripwire.api.problems import Problem
from tripwire.api.state import Party, Serving
from tripwire.model.sources import SOURCES
from tripwire.screening import Match, Query, QueryError
from tripwire.screening.engine import CANDIDATES
from tripwire.screening.features import FEATURES
from tripwire.screening.index import QUERY_GROUPS
from tripwire.store import StoredEntity

#: Dataset names that mean "all serving lists".
ALL_DATASETS = ("default", "sanctions")
#: yente algorithm names accepted for compatibility; all use tripwire's one scorer.
ALGORITHMS = (
    "tripwire",
    "best",
    "default",
    "logic-v2",
    "logic-v1",
    "regression-v1",
    "regression-v2",
    "name-based",
    "name-qualified",
)
NAME_PROPS = ("name", "alias", "previousName")
NAME_PARTS = ("firstName", "secondName", "middleName", "fatherName", "lastName")
_SCREENABLE = ("Person", "Vessel", "Airplane", "Company", "Organization", "LegalEntity")
FEATURES_URL = "tripwire/screening/features.py"


def dataset_sources(name: str, serving: Serving) -> frozenset[str] | None:
    """The sources a dataset name covers (None: all); 404 for one that is not served."""
    if name in ALL_DATASETS:
        return None
    if name in serving.sources:
        return frozenset((name,))
    served = ", ".join([*ALL_DATASETS, *sorted(serving.sources)])
    known = " (known but not imported)" if name in SOURCES else ""
    raise Problem(404, f"no dataset {name!r}{known}; datasets served: {served}")


def screening_schema(schema: Schema) -> str:
    """The screening group of an FtM schema ('' = any kind of party)."""
    if schema.name in QUERY_GROUPS:
        return schema.name
    for base in _SCREENABLE:
        if schema.is_a(base):
            return base
    if schema.name == "Thing":
        return ""
    allowed = ", ".join(["Thing", *(s for s in QUERY_GROUPS if s)])
    raise ValueError(f"schema {schema.name!r} cannot be screened; use one of {allowed}")


def _values(raw: str | list[Any], field: str) -> list[str]:
    values = [raw] if isinstance(raw, str) else raw
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Problem(
                422,
                f"{field}: values must be strings",
                errors=[{"field": field, "reason": "values must be strings"}],
            )
        text = str(value).strip()
        if text:
            out.append(text)
    return out


def example_query(key: str, example: EntityExample) -> Query:
    """A screening query from a yente example entity; 422 naming the field at fault."""
    where = f"queries.{key}"
    schema = model.get(example.schema_)

    def bad(field: str, reason: str) -> Problem:
        return Problem(
            422,
            f"{where}.{field}: {reason}",
            errors=[{"field": f"{where}.{field}", "reason": reason}],
        )

    if schema is None:
        raise bad("schema", f"unknown schema {example.schema_!r}")
    try:
        group = screening_schema(schema)
    except ValueError as exc:
        raise bad("schema", str(exc)) from None
    names: list[str] = []
    parts: dict[str, list[str]] = {}
    dates: list[str] = []
    countries: list[str] = []
    identifiers: list[str] = []
    for prop_name, raw in example.properties.items():
        prop = schema.get(prop_name)
        if prop is None:
            raise bad(
                f"properties.{prop_name}", f"schema {schema.name} has no property {prop_name!r}"
            )
        values = _values(raw, f"{where}.properties.{prop_name}")
        if prop_name in NAME_PROPS:
            names.extend(values)
        elif prop_name in NAME_PARTS:
            parts[prop_name] = values
        elif prop_name == "birthDate":
            dates.extend(v[:10] for v in values)
        elif prop.type == registry.country:
            countries.extend(values)
        elif prop.type == registry.identifier:
            identifiers.extend(values)
    if parts:
        names.append(" ".join(v for p in NAME_PARTS for v in parts.get(p, [])[:1]))
    check_names(names, f"{where}.properties.name")
    fields = {"name": "properties.name", "birth_date": "properties.birthDate"}
    try:
        return Query.create(
            names,
            schema=group or None,
            birth_date=dates[0] if dates else None,
            countries=countries,
            identifiers=identifiers,
        )
    except QueryError as exc:
        raise bad(fields.get(exc.field, f"properties.{exc.field}"), exc.reason) from None


def entity_dict(entity: StoredEntity, datasets: Iterable[str]) -> dict[str, Any]:
    """An FtM entity as yente returns it."""
    return {
        "id": entity.entity_id,
        "caption": entity.caption,
        "schema": entity.schema,
        "properties": entity.data.get("properties", {}),
        "datasets": sorted(datasets),
        "referents": [],
        "target": entity.listed,
        "first_seen": None,
        "last_seen": None,
        "last_change": None,
    }


def scored_dict(match: Match, party: Party | None, threshold: float) -> dict[str, Any]:
    """A match as a yente scored entity, with tripwire's explanation beside yente's fields."""
    features = match.explanation.get("features", [])
    score = round(match.score, 4)  # ``match`` agrees with the score shown
    return {
        "id": match.entity_id,
        "caption": match.caption,
        "schema": match.schema,
        "properties": party.properties if party else {"name": [match.caption]},
        "datasets": [match.source],
        "referents": [],
        "target": True,
        "first_seen": None,
        "last_seen": None,
        "last_change": None,
        "score": score,
        "match": score >= threshold,
        "features": {f["feature"]: f["value"] for f in features},
        "explanations": {
            f["feature"]: {
                "detail": f"{f['description']} (weight {f['weight']}, "
                f"log-odds {f['contribution']:+})",
                "score": f["value"],
                "query": match.query_name,
                "candidate": match.list_name,
            }
            for f in features
        },
        "explanation": match.explanation,
    }


def party_dict(party: Party) -> dict[str, Any]:
    """A listed party as yente returns an entity (search results)."""
    return {
        "id": party.entity_id,
        "caption": party.caption,
        "schema": party.schema,
        "properties": party.properties,
        "datasets": [party.source],
        "referents": [],
        "target": True,
        "first_seen": None,
        "last_seen": None,
        "last_change": None,
    }


def matcher_docs(serving: Serving) -> dict[str, Any]:
    """yente's ``matcher`` block: every feature with its description and coefficient."""
    screener = serving.screener
    return _docs(tuple(float(w) for w in screener.model.weights), screener.threshold)


@lru_cache(maxsize=4)
def _docs(weights: tuple[float, ...], threshold: float) -> dict[str, Any]:
    return {
        "name": "tripwire",
        "description": "logistic regression over name alignment, rarity, birth date, country "
        "and identifier features; scores are probabilities",
        "threshold": threshold,
        "features": {
            f.name: {"description": f.description, "coefficient": round(w, 4), "url": FEATURES_URL}
            for f, w in zip(FEATURES, weights, strict=True)
        },
    }


def reverse_props(related: StoredEntity, target_id: str) -> list[str]:
    """Names under which ``related`` appears on the entity it points at (e.g. ``sanctions``)."""
    schema = model.get(related.schema)
    out = []
    for prop_name, values in related.data.get("properties", {}).items():
        prop = schema.get(prop_name) if schema else None
        if prop is not None and prop.reverse is not None and target_id in values:
            out.append(prop.reverse.name)
    return out


def screen_filtered(
    serving: Serving,
    queries: list[Query],
    *,
    sources: frozenset[str] | None,
    limit: int,
    cutoff: float,
    exclude_ids: frozenset[str] = frozenset(),
    exclude_schemata: frozenset[str] = frozenset(),
) -> list[list[Match]]:
    """Screen, then keep the matches of the wanted datasets and schemata, best ``limit``."""
    screener = serving.screener
    if sources is not None and sources >= serving.sources.keys():
        sources = None  # every list: nothing to filter, no wider search
    filtering = sources is not None or exclude_ids or exclude_schemata
    wide = max(CANDIDATES, limit + len(exclude_ids)) if filtering else limit
    found = (
        [screener.screen(queries[0], limit=wide, threshold=cutoff)]
        if len(queries) == 1
        else screener.screen_many(queries, limit=wide, threshold=cutoff)
    )
    if not filtering:
        return found
    return [
        [
            m
            for m in matches
            if (sources is None or m.source in sources)
            and m.entity_id not in exclude_ids
            and m.schema not in exclude_schemata
        ][:limit]
        for matches in found
    ]
