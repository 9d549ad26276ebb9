"""Configuration, read once from ``TRIPWIRE_*`` environment variables.

* ``TRIPWIRE_HOME``: data folder (store, downloads); a per-user data directory when unset.
* ``TRIPWIRE_DATABASE_URL``: SQLAlchemy URL of the store; SQLite in ``TRIPWIRE_HOME`` when unset,
  ``postgresql+psycopg://...`` for the server store.
* ``TRIPWIRE_LISTS_DIR``: offline installations import updates from this folder instead of
  downloading them.
* ``TRIPWIRE_LISTS_URL``: a mirror serving ``<source>/<file name>`` in place of the publishers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    database_url: str
    lists_dir: Path | None
    lists_url: str | None
    # Refuse a new version that loses more than this share of the previous one's parties.
    max_shrink: float = 0.20
    http_timeout: float = 60.0
    http_retries: int = 3

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ) if env is None else env
        home = Path(env.get("TRIPWIRE_HOME") or user_data_dir("tripwire", appauthor=False))
        url = env.get("TRIPWIRE_DATABASE_URL") or f"sqlite:///{home / 'tripwire.db'}"
        lists_dir = env.get("TRIPWIRE_LISTS_DIR")
        return cls(
            home=home,
            database_url=url,
            lists_dir=Path(lists_dir) if lists_dir else None,
            lists_url=env.get("TRIPWIRE_LISTS_URL") or None,
        )

    @property
    def downloads(self) -> Path:
        return self.home / "downloads"
