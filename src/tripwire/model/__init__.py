"""The entity model: FollowTheMoney entities plus the list facts FtM has no place for."""

from tripwire.model.entity import ListEntity, derived_id, make_entity, slug_id
from tripwire.model.sources import SOURCES, Source, get_source

__all__ = [
    "SOURCES",
    "ListEntity",
    "Source",
    "derived_id",
    "get_source",
    "make_entity",
    "slug_id",
]
