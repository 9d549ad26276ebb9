"""The screening index is compiled from the store, cached beside it, rebuilt when lists change."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import shared_file
from tripwire.lists.importer import import_publication
from tripwire.screening import Query, Screener
from tripwire.store import Store


def test_index_cache_follows_the_serving_versions(sqlite_store: Store, tmp_path: Path) -> None:
    cache = tmp_path / "index"
    import_publication(sqlite_store, shared_file("lists/un/UN_consolidated-2022-09-15.xml"))
    first = Screener.from_store(sqlite_store, cache)
    files = list(cache.glob("index-*.pickle"))
    assert len(files) == 1 and len(first.index.targets) == 699 + 253
    built = files[0].stat().st_mtime_ns
    again = Screener.from_store(sqlite_store, cache)
    assert again.index.key == first.index.key and list(cache.glob("index-*.pickle")) == files
    assert files[0].stat().st_mtime_ns == built  # loaded, not rebuilt

    import_publication(sqlite_store, shared_file("lists/un/UN_consolidated-2026-02-27.xml"))
    newer = Screener.from_store(sqlite_store, cache)
    assert newer.index.key != first.index.key
    assert len(newer.index.targets) == 730 + 273
    assert [p.name for p in cache.glob("index-*.pickle")] == [f"index-{newer.index.key}.pickle"]
    top = newer.screen(Query.create("Ri Won Ho", schema="Person"))[0]
    assert (top.source, top.source_ref) == ("un_sc", "KPi.033")
