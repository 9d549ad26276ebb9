"""A list entity: an FtM entity plus its list reference and the facts FtM cannot hold.

FollowTheMoney is the schema (Person, Company, Vessel, Sanction, Ownership, ...)
and the JSON exchange format. What FtM has no property for, and what a
sanctions analyst still needs, lives in ``annotations`` (plain JSON):

* ``birth_dates``: list of ``{"date": "1958", "circa": true}`` or
  ``{"from": "1960", "to": "1962"}``, optionally with ``"note"`` (the list's
  wording), ``"calendar"`` (e.g. ``"islamic"`` for a Hijri year kept as given)
  and ``"alias"`` (the alias the date belongs to); the FtM ``birthDate``
  property carries the plain values (for a range, its first and last year) so
  that FtM consumers still see them.
* ``unresolved_links``: list of ``{"relation": ..., "name": ...}`` for relations
  the list states by name only and that no entity of the file carries.
* ``alias_quality``: ``{"name": "strong" | "weak" | "low" | "good"}`` where the list says it.
* ``name_scripts``: ``{"name": "Arabic"}`` where the list states a name's script.
* list-specific facts with no FtM property: ``ofsi_group_id`` (UK parties),
  ``measures`` (UK sanctions: which measures are imposed), ``list`` (OFAC
  sanctions: SDN or a non-SDN list).

``source_ref`` is the list's own public reference (OFAC ent_num, UN QDi.001,
EU EU.3579.2, UK RUS0051); only primary (listed) entities carry one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from followthemoney import EntityProxy, model

_SLUG = re.compile(r"[^a-z0-9]+")


def slug_id(prefix: str, *parts: str | int) -> str:
    """Stable, readable id from a source prefix and the list's own reference."""
    text = "-".join(str(p) for p in parts if str(p).strip())
    slug = _SLUG.sub("-", text.lower()).strip("-")
    if not slug:
        raise ValueError(f"empty id for prefix {prefix!r}")
    return f"{prefix}-{slug}"


def derived_id(parent_id: str, kind: str, *parts: str | int | None) -> str:
    """Id of an auxiliary entity (sanction, relation, document) derived from its content.

    Hashing the content keeps the id stable across imports of the same list
    while two different sanctions of one entity still get two ids.
    """
    digest = hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode())
    return f"{parent_id}-{kind}-{digest.hexdigest()[:10]}"


def make_entity(schema: str, entity_id: str) -> EntityProxy:
    """A new FtM entity of ``schema`` with ``entity_id``."""
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    return proxy


@dataclass(slots=True)
class ListEntity:
    """One entity as a list publishes it: FtM data, list reference, annotations."""

    proxy: EntityProxy
    source_ref: str | None = None
    annotations: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        assert self.proxy.id is not None
        return self.proxy.id

    @property
    def schema(self) -> str:
        return self.proxy.schema.name

    @property
    def primary(self) -> bool:
        """A listed party (it has a list reference), not a sanction or relation record."""
        return self.source_ref is not None

    @property
    def caption(self) -> str:
        return self.proxy.caption

    def to_dict(self) -> dict[str, Any]:
        """FtM JSON plus tripwire's fields, the form stored and printed with ``--json``."""
        data = self.proxy.to_dict()
        if self.source_ref is not None:
            data["source_ref"] = self.source_ref
        if self.annotations:
            data["annotations"] = self.annotations
        return data
