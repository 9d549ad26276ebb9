"""Diff two stored versions: find what changed by hash, then explain it field by field.

Only entities whose content hash differs are loaded, plus the parties they
touch and those parties' attached records, so a daily diff of a large list
reads a few hundred rows rather than the whole list twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from tripwire.lists.diff import ListDiff, diff_views, party_views
from tripwire.store import Store, StoredEntity


def _as_data(entities: Iterable[StoredEntity]) -> list[dict[str, object]]:
    out = []
    for e in entities:
        data = dict(e.data)
        data["caption"] = e.caption
        out.append(data)
    return out


def diff_versions(store: Store, old_id: int, new_id: int) -> ListDiff:
    old_index = store.entity_index(old_id)
    new_index = store.entity_index(new_id)
    touched = {
        entity_id
        for entity_id in old_index.keys() | new_index.keys()
        if old_index.get(entity_id, (None,))[0] != new_index.get(entity_id, (None,))[0]
    }
    if not touched:
        return ListDiff()
    listed = {i for i, (_h, is_listed) in old_index.items() if is_listed}
    listed |= {i for i, (_h, is_listed) in new_index.items() if is_listed}
    affected = touched & listed
    for version_id in (old_id, new_id):
        for entity in store.version_entities(version_id, touched - listed):
            for values in entity.data.get("properties", {}).values():
                affected.update(v for v in values if v in listed)
    views = []
    for version_id in (old_id, new_id):
        parties = store.version_entities(version_id, affected)
        attached = store.referencing(version_id, affected)
        data = _as_data([*parties, *(a for a in attached if a.entity_id not in listed)])
        views.append(party_views(data, listed))
    return diff_views(views[0], views[1])
