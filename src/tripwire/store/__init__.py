"""Persistent store of list versions (SQLite by default, PostgreSQL by URL)."""

from tripwire.store.store import NewVersion, Store, StoredEntity, VersionRow, make_engine

__all__ = ["NewVersion", "Store", "StoredEntity", "VersionRow", "make_engine"]
