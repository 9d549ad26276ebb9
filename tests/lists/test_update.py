"""Updates from publishers, tested against a real local HTTP server serving the shared files."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from tests.conftest import shared_file
from tests.lists.httpserver import ListServer, start
from tripwire.lists.update import find_local, update_from_folder, update_source
from tripwire.model.sources import get_source
from tripwire.store import Store

UN_2022 = "lists/un/UN_consolidated-2022-09-15.xml"
UN_2026 = "lists/un/UN_consolidated-2026-02-27.xml"
UN_PATH = "/un_sc/consolidated.xml"


@pytest.fixture
def server() -> Iterator[ListServer]:
    state = start(ListServer())
    yield state
    state.server.shutdown()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, headers={"Accept-Encoding": "identity"}) as c:
        yield c


def _update(
    store: Store,
    server: ListServer,
    client: httpx.Client,
    tmp_path: Path,
    name: str = "un_sc",
    **kwargs: object,
):  # type: ignore[no-untyped-def]
    return update_source(
        store,
        get_source(name),
        downloads=tmp_path / "downloads",
        client=client,
        mirror=server.url,
        backoff=0.0,
        **kwargs,  # type: ignore[arg-type]
    )


def test_first_update_imports_and_second_is_a_conditional_no_op(
    sqlite_store: Store, server: ListServer, client: httpx.Client, tmp_path: Path
) -> None:
    server.serve(UN_PATH, shared_file(UN_2026).read_bytes())
    first = _update(sqlite_store, server, client, tmp_path)
    assert first.outcome == "imported", first.message
    assert first.summary["parties"] == 730 + 273
    second = _update(sqlite_store, server, client, tmp_path)
    assert second.outcome == "unchanged" and "not modified" in second.message
    assert server.hits[UN_PATH] == 2 and server.full_responses[UN_PATH] == 1
    assert (tmp_path / "downloads" / "un_sc" / "consolidated.xml").exists()
    assert not list((tmp_path / "downloads" / "un_sc").glob(".staging-*"))


def test_new_publication_becomes_a_new_version(
    sqlite_store: Store, server: ListServer, client: httpx.Client, tmp_path: Path
) -> None:
    server.serve(UN_PATH, shared_file(UN_2022).read_bytes())
    old = _update(sqlite_store, server, client, tmp_path)
    server.serve(UN_PATH, shared_file(UN_2026).read_bytes())
    new = _update(sqlite_store, server, client, tmp_path)
    assert old.outcome == new.outcome == "imported"
    assert new.previous_version_id == old.version_id
    current = sqlite_store.current_version("un_sc")
    assert current is not None and current.id == new.version_id
    assert current.published is not None and current.published.isoformat() == "2026-02-27"


def test_same_bytes_downloaded_again_are_not_reimported(
    sqlite_store: Store, server: ListServer, client: httpx.Client, tmp_path: Path
) -> None:
    body = shared_file(UN_2026).read_bytes()
    server.serve(UN_PATH, body)
    first = _update(sqlite_store, server, client, tmp_path)
    server.serve(UN_PATH, body, conditional=False)  # a server that ignores If-None-Match
    again = _update(sqlite_store, server, client, tmp_path)
    assert server.full_responses[UN_PATH] == 2
    assert again.outcome == "unchanged" and again.version_id == first.version_id
    assert len(sqlite_store.versions("un_sc")) == 1


def test_transient_server_errors_are_retried(
    sqlite_store: Store, server: ListServer, client: httpx.Client, tmp_path: Path
) -> None:
    server.serve(UN_PATH, shared_file(UN_2026).read_bytes(), fail_times=2)
    result = _update(sqlite_store, server, client, tmp_path, retries=3)
    assert result.outcome == "imported"
    assert server.hits[UN_PATH] == 3


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"truncate": True}, "truncated"),
        ({"bad_digest": True}, "checksum"),
        ({"fail_times": 10}, "HTTP 503"),
    ],
)
def test_broken_download_keeps_the_previous_version(
    sqlite_store: Store,
    server: ListServer,
    client: httpx.Client,
    tmp_path: Path,
    fault: dict[str, object],
    reason: str,
) -> None:
    server.serve(UN_PATH, shared_file(UN_2022).read_bytes())
    good = _update(sqlite_store, server, client, tmp_path)
    server.serve(UN_PATH, shared_file(UN_2026).read_bytes(), **fault)
    bad = _update(sqlite_store, server, client, tmp_path, retries=1)
    assert (
        bad.outcome == "failed" and reason in bad.message and "previous version kept" in bad.message
    )
    current = sqlite_store.current_version("un_sc")
    assert current is not None and current.id == good.version_id
    assert sqlite_store.events("un_sc")[0]["outcome"] == "failed"
    kept = (tmp_path / "downloads" / "un_sc" / "consolidated.xml").read_bytes()
    assert kept == shared_file(UN_2022).read_bytes()


def test_a_file_that_does_not_parse_keeps_the_previous_version(
    sqlite_store: Store, server: ListServer, client: httpx.Client, tmp_path: Path
) -> None:
    server.serve(UN_PATH, shared_file(UN_2022).read_bytes())
    good = _update(sqlite_store, server, client, tmp_path)
    server.serve(UN_PATH, b"<html><body>Service temporarily unavailable</body></html>")
    bad = _update(sqlite_store, server, client, tmp_path)
    assert bad.outcome in ("failed", "refused") and "previous version kept" in bad.message
    assert sqlite_store.current_version("un_sc").id == good.version_id  # type: ignore[union-attr]


def _shrunk_un(keep: int) -> bytes:
    root = etree.fromstring(shared_file(UN_2026).read_bytes())
    for group in ("INDIVIDUALS", "ENTITIES"):
        parent = root.find(group)
        for child in list(parent)[keep:]:
            parent.remove(child)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_a_list_that_loses_too_many_entries_is_refused_unless_forced(
    sqlite_store: Store, server: ListServer, client: httpx.Client, tmp_path: Path
) -> None:
    server.serve(UN_PATH, shared_file(UN_2026).read_bytes())
    good = _update(sqlite_store, server, client, tmp_path)
    server.serve(UN_PATH, _shrunk_un(300))
    refused = _update(sqlite_store, server, client, tmp_path)
    assert refused.outcome == "refused" and "fewer" in refused.message
    assert sqlite_store.current_version("un_sc").id == good.version_id  # type: ignore[union-attr]
    forced = _update(sqlite_store, server, client, tmp_path, force=True)
    assert forced.outcome == "imported" and forced.summary["parties"] == 300 + 273


def test_ofac_update_downloads_all_four_files(
    sqlite_store: Store, server: ListServer, client: httpx.Client, tmp_path: Path
) -> None:
    for name in ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"):
        server.serve(f"/us_ofac_sdn/{name}", shared_file(f"lists/ofac/2021-07/{name}").read_bytes())
    result = _update(sqlite_store, server, client, tmp_path, name="us_ofac_sdn")
    assert result.outcome == "imported", result.message
    assert result.summary["parties"] == 8976
    assert len(sqlite_store.current_version("us_ofac_sdn").files) == 4  # type: ignore[union-attr]


def test_offline_folder_update_takes_the_newest_dated_file(sqlite_store: Store) -> None:
    folder = shared_file("lists")
    un = find_local(get_source("un_sc"), folder)
    assert un is not None and un.name == "UN_consolidated-2026-02-27.xml"
    eu = find_local(get_source("eu_fsf"), folder)
    assert eu is not None and eu.name == "eu_fsf-2026-05-01-rebuilt.xml.gz"
    result = update_from_folder(sqlite_store, get_source("un_sc"), folder)
    assert result.outcome == "imported"
    again = update_from_folder(sqlite_store, get_source("un_sc"), folder)
    assert again.outcome == "unchanged"


def test_gzipped_publication_is_read_by_content(
    sqlite_store: Store, server: ListServer, client: httpx.Client, tmp_path: Path
) -> None:
    server.serve(UN_PATH, gzip.compress(shared_file(UN_2026).read_bytes()))
    result = _update(sqlite_store, server, client, tmp_path)
    assert result.outcome == "imported"


def test_a_local_failure_becomes_a_failed_result_not_a_crash(
    sqlite_store: Store, server: ListServer, client: httpx.Client, tmp_path: Path
) -> None:
    server.serve(UN_PATH, shared_file(UN_2026).read_bytes())
    blocked = tmp_path / "downloads"
    blocked.write_text("a file where the downloads folder should be")
    result = _update(sqlite_store, server, client, tmp_path)
    assert result.outcome == "failed" and "previous version kept" in result.message
    assert sqlite_store.events("un_sc")[0]["outcome"] == "failed"
