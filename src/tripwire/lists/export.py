"""FtM JSON lines out: a serving version as FollowTheMoney entities other tools can read.

Each line is the entity's FtM JSON plus ``datasets`` (the source), ``target``
(listed or not), and tripwire's ``source_ref`` and ``annotations``; FtM
readers ignore the extra keys and tripwire's own FtM parser reads the file
back to the same entities.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from tripwire.store import Store


def export_lines(store: Store, source: str, version_id: int | None = None) -> Iterator[str]:
    """FtM JSON lines of one version of ``source`` (the serving one by default), sorted by id."""
    if version_id is None:
        current = store.current_version(source)
        if current is None:
            raise LookupError(f"no serving version of {source!r}")
        version_id = current.id
    for entity in sorted(store.version_entities(version_id), key=lambda e: e.entity_id):
        data = dict(entity.data)
        data["caption"] = entity.caption
        data["datasets"] = [source]
        data["target"] = entity.listed
        yield json.dumps(data, ensure_ascii=False, sort_keys=True)
