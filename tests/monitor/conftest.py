"""Monitoring fixtures: a store holding OFAC SDN of 21 March 2022, and small registers."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import shared_file
from tripwire.lists.importer import import_publication
from tripwire.monitor import RegisterRecord
from tripwire.screening.engine import Screener
from tripwire.screening.query import Query
from tripwire.store import Store

SDN_0321 = "lists/ofac/history/sdn-2022-03-21.csv"
SDN_0324 = "lists/ofac/history/sdn-2022-03-24.csv"

# State Duma members designated by OFAC on 24 March 2022, in the spellings a bank's
# records might hold them (transliteration variants, order, Cyrillic, dropped patronymic).
DUMA = {
    "d1": ("Anatoliy Bifov", "Person"),
    "d2": ("Bifov Anatolii Zhamalovich", None),
    "d3": ("Denis Parfenov", "Person"),
    "d4": ("Yuriy Napso", "Person"),
    "d5": ("Швыткин Юрий Николаевич", "Person"),
}
# Ordinary customers: hit nothing on either list.
ORDINARY = {
    "o1": ("John Smith", "Person"),
    "o2": ("Maria Gonzalez Lopez", "Person"),
    "o3": ("Acme Trading GmbH", "Company"),
    "o4": ("Anna Petrova", "Person"),
    "o5": ("Chen Wei", "Person"),
}


def records(rows: dict[str, tuple[str, str | None]]) -> list[RegisterRecord]:
    return [RegisterRecord(i, Query.create(n, schema=s)) for i, (n, s) in rows.items()]


def import_file(store: Store, relative: str) -> str:
    result = import_publication(store, shared_file(relative))
    assert result.ok, result.message
    return result.outcome


_INDEX = Path(tempfile.mkdtemp(prefix="tripwire-monitor-index-"))


def screener(store: Store, _tmp_path: Path | None = None) -> Screener:
    """The screener over the serving lists; its index is cached across the tests of a run
    (keyed by versions and code, as in production), which saves a rebuild per test."""
    return Screener.from_store(store, _INDEX)


@pytest.fixture(scope="session")
def sqlite_0321(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store file with OFAC SDN of 2022-03-21, imported once per test run."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    with Store(f"sqlite:///{path}") as store:
        import_file(store, SDN_0321)
    return path  # closing the last connection folded the WAL into the file


@pytest.fixture
def store_0321(store_url: str, sqlite_0321: Path, tmp_path: Path) -> Store:
    """A store (SQLite, and PostgreSQL when configured) with OFAC SDN of 2022-03-21.

    SQLite stores are copies of one imported file; PostgreSQL imports for real."""
    if store_url.startswith("sqlite"):
        copy = tmp_path / "store-0321.db"
        shutil.copyfile(sqlite_0321, copy)
        return Store(f"sqlite:///{copy}")
    store = Store(store_url)
    import_file(store, SDN_0321)
    return store
