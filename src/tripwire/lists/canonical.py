"""Canonical form of a list entity: the bytes that are stored, hashed and compared.

Property values are sorted and keys ordered so that the same list record
always gives the same bytes, whatever order a parser met its values in. A
diff between two versions is then a comparison of hashes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from followthemoney import registry

from tripwire.model.entity import ListEntity


def canonical_dict(entity: ListEntity) -> dict[str, Any]:
    data = entity.to_dict()
    data["properties"] = {k: sorted(set(v)) for k, v in sorted(data["properties"].items()) if v}
    return data


def canonical_json(entity: ListEntity) -> str:
    return json.dumps(
        canonical_dict(entity), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entity_refs(entity: ListEntity) -> list[tuple[str, str]]:
    """(property, target id) of every entity-valued property (Sanction.entity, ...)."""
    refs = []
    for prop, value in entity.proxy.itervalues():
        if prop.type == registry.entity:
            refs.append((prop.name, value))
    return sorted(set(refs))
