"""Listed parties as the screener sees them: names, dates, countries, identifiers.

Built from stored FtM entities (pure: dictionaries in, dataclasses out). Each
name keeps its kind: list names and strong aliases, weak aliases (which count
for less), and previous names. "SURNAME, Given" names also get their natural
order, so that a joined or order-sensitive comparison sees both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tripwire.screening.identifiers import PROPERTY_KINDS, normalize_identifier

NAME_KINDS: dict[str, str] = {
    "name": "name",
    "alias": "alias",
    "previousName": "previous",
    "weakAlias": "weak",
}
COUNTRY_PROPS = ("nationality", "citizenship", "country", "birthCountry", "jurisdiction", "flag")
SCREENED_SCHEMATA = frozenset(
    {"Person", "Organization", "Company", "LegalEntity", "PublicBody", "Vessel", "Airplane"}
)


@dataclass(frozen=True, slots=True)
class Target:
    """One listed party of one list."""

    entity_id: str
    source: str
    source_ref: str
    schema: str
    caption: str
    names: tuple[tuple[str, str], ...]  # (name as listed, kind)
    birth_dates: tuple[str, ...] = ()
    birth_years: frozenset[int] = field(default_factory=frozenset)  # from ranges and circa
    countries: frozenset[str] = field(default_factory=frozenset)
    identifiers: tuple[tuple[str, str, str], ...] = ()  # (kind, normal form, as listed)


def _natural_order(name: str) -> str | None:
    if name.count(",") != 1:
        return None
    last, given = (p.strip() for p in name.split(","))
    return f"{given} {last}" if last and given else None


def _birth_years(annotations: Mapping[str, Any]) -> frozenset[int]:
    years: set[int] = set()
    for item in annotations.get("birth_dates") or []:
        if not isinstance(item, dict) or item.get("calendar") not in (None, "gregorian"):
            continue
        start, end = item.get("from"), item.get("to")
        if (
            isinstance(start, str)
            and isinstance(end, str)
            and start[:4].isdigit()
            and end[:4].isdigit()
        ):
            years.update(range(int(start[:4]), min(int(end[:4]), int(start[:4]) + 20) + 1))
        date = item.get("date")
        if isinstance(date, str) and date[:4].isdigit():
            year = int(date[:4])
            years.update((year - 1, year, year + 1) if item.get("circa") else (year,))
    return frozenset(years)


def target_from_entity(data: Mapping[str, Any], source: str, caption: str) -> Target | None:
    """A Target from a stored entity dict, or None for a schema that is not screened."""
    schema = data.get("schema", "")
    if schema not in SCREENED_SCHEMATA:
        return None
    props: Mapping[str, list[str]] = data.get("properties", {})
    names: list[tuple[str, str]] = []
    seen: set[str] = set()
    for prop, kind in NAME_KINDS.items():
        for name in props.get(prop, []):
            for variant in (name, _natural_order(name) if schema == "Person" else None):
                if variant and variant not in seen:
                    seen.add(variant)
                    names.append((variant, kind))
    if not names:
        return None
    identifiers = sorted(
        {
            (kind, normalize_identifier(value), value)
            for prop, kind in PROPERTY_KINDS.items()
            for value in props.get(prop, [])
            if normalize_identifier(value)
        }
    )
    return Target(
        entity_id=data["id"],
        source=source,
        source_ref=str(data.get("source_ref") or data["id"]),
        schema=schema,
        caption=caption,
        names=tuple(names),
        birth_dates=tuple(sorted(set(props.get("birthDate", [])))),
        birth_years=_birth_years(data.get("annotations") or {}),
        countries=frozenset(c for p in COUNTRY_PROPS for c in props.get(p, [])),
        identifiers=tuple(identifiers),
    )


def targets_from_entities(entities: Iterable[tuple[str, str, Mapping[str, Any]]]) -> list[Target]:
    """Targets from (source, caption, entity dict) triples, skipping unscreened schemata."""
    out = []
    for source, caption, data in entities:
        target = target_from_entity(data, source, caption)
        if target is not None:
            out.append(target)
    return out
