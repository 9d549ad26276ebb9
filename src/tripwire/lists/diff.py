"""Differences between two versions of a list, party by party and field by field.

Analysts think in listed parties, not in FtM records: a new sanction
programme on an existing SDN entry is a change *of that entry*. So every
auxiliary record (Sanction, Ownership, UnknownLink, Passport, ...) is folded
into the parties it points at as one readable line under its schema name,
and the diff compares these party views. Pure: no store, no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

ChangeKind = Literal["added", "removed", "changed"]

# Bookkeeping that changes with every publication and says nothing about the party.
_IGNORED_PROPS = frozenset({"modifiedAt", "retrievedAt", "lastSeen"})


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    added: tuple[str, ...]
    removed: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "added": list(self.added), "removed": list(self.removed)}


@dataclass(frozen=True, slots=True)
class EntityChange:
    kind: ChangeKind
    entity_id: str
    schema: str
    caption: str
    source_ref: str | None
    fields: tuple[FieldChange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.entity_id,
            "schema": self.schema,
            "caption": self.caption,
            "source_ref": self.source_ref,
            "fields": [f.to_dict() for f in self.fields],
        }


@dataclass(slots=True)
class ListDiff:
    added: list[EntityChange] = field(default_factory=list)
    removed: list[EntityChange] = field(default_factory=list)
    changed: list[EntityChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": {
                "added": len(self.added),
                "removed": len(self.removed),
                "changed": len(self.changed),
            },
            "added": [c.to_dict() for c in self.added],
            "removed": [c.to_dict() for c in self.removed],
            "changed": [c.to_dict() for c in self.changed],
        }


@dataclass(frozen=True, slots=True)
class PartyView:
    """A listed party with its own fields and the lines of records attached to it."""

    entity_id: str
    schema: str
    caption: str
    source_ref: str | None
    fields: dict[str, frozenset[str]]


def _entity_prop_names(data: dict[str, Any], party_ids: set[str]) -> list[tuple[str, str]]:
    refs = []
    for prop, values in data.get("properties", {}).items():
        for value in values:
            if value in party_ids:
                refs.append((prop, value))
    return refs


def _line(data: dict[str, Any], about: str) -> str:
    """One readable line for an auxiliary record, as seen from the party ``about``."""
    parts = []
    for prop, values in sorted(data.get("properties", {}).items()):
        if prop in _IGNORED_PROPS:
            continue
        shown = ["(this)" if v == about else v for v in sorted(values)]
        parts.append(f"{prop}={'|'.join(shown)}")
    return "; ".join(parts)


def party_views(entities: Iterable[dict[str, Any]], listed: set[str]) -> dict[str, PartyView]:
    """Fold auxiliary records into the listed parties they reference."""
    parties: dict[str, dict[str, Any]] = {}
    attached: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    aux: list[dict[str, Any]] = []
    for data in entities:
        if data["id"] in listed:
            parties[data["id"]] = data
        else:
            aux.append(data)
    party_ids = set(parties)
    for data in aux:
        for _prop, target in _entity_prop_names(data, party_ids):
            attached[target][data["schema"]].add(_line(data, target))
    views = {}
    for entity_id, data in parties.items():
        fields: dict[str, frozenset[str]] = {
            prop: frozenset(values)
            for prop, values in data.get("properties", {}).items()
            if prop not in _IGNORED_PROPS
        }
        for key, value in (data.get("annotations") or {}).items():
            fields[f"annotations.{key}"] = frozenset(_flatten(value))
        for schema, lines in attached[entity_id].items():
            fields[schema] = frozenset(lines)
        fields["schema"] = frozenset([data["schema"]])
        views[entity_id] = PartyView(
            entity_id=entity_id,
            schema=data["schema"],
            caption=_caption(data),
            source_ref=data.get("source_ref"),
            fields=fields,
        )
    return views


def _flatten(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_flat_one(v) for v in value]
    if isinstance(value, dict):
        return [f"{k}={_flat_one(v)}" for k, v in sorted(value.items())]
    return [_flat_one(value)]


def _flat_one(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value)


def _caption(data: dict[str, Any]) -> str:
    if data.get("caption"):
        return str(data["caption"])
    props = data.get("properties", {})
    for key in ("name", "alias"):
        if props.get(key):
            return str(sorted(props[key])[0])
    return str(data["id"])


def diff_views(old: dict[str, PartyView], new: dict[str, PartyView]) -> ListDiff:
    """Added, removed and changed parties between two sets of views."""
    result = ListDiff()
    for entity_id in sorted(new.keys() - old.keys()):
        view = new[entity_id]
        result.added.append(
            EntityChange("added", entity_id, view.schema, view.caption, view.source_ref)
        )
    for entity_id in sorted(old.keys() - new.keys()):
        view = old[entity_id]
        result.removed.append(
            EntityChange("removed", entity_id, view.schema, view.caption, view.source_ref)
        )
    for entity_id in sorted(old.keys() & new.keys()):
        before, after = old[entity_id], new[entity_id]
        changes = []
        for name in sorted(before.fields.keys() | after.fields.keys()):
            was = before.fields.get(name, frozenset())
            now = after.fields.get(name, frozenset())
            if was != now:
                changes.append(
                    FieldChange(name, tuple(sorted(now - was)), tuple(sorted(was - now)))
                )
        if changes:
            result.changed.append(
                EntityChange(
                    "changed",
                    entity_id,
                    after.schema,
                    after.caption,
                    after.source_ref,
                    tuple(changes),
                )
            )
    return result
