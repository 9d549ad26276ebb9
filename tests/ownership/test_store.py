"""Edges in the store (SQLite and PostgreSQL), answers from it, and name resolution."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import shared_file
from tripwire.lists.importer import import_publication
from tripwire.ownership.importer import import_graph
from tripwire.ownership.resolve import ScreenerResolver
from tripwire.ownership.service import Exposure, exposure_note
from tripwire.ownership.store import OwnershipStore
from tripwire.screening.engine import Screener
from tripwire.store import Store

# The real OFAC advanced XML excerpt: AEROCARIBBEAN AIRLINES (ofac-36) and
# AL-ZOMOR, Abboud (ofac-2677) are SDNs; published 2026-09-09.
AS_OF = dt.date(2026, 10, 1)

EDGES = (
    "owner,owned,share,kind,valid_from,valid_to\n"
    "id:ofac-36,Caribe Holdings SA,30,equity,2025-01-01,\n"
    "{zomor},Caribe Holdings SA,25,equity,2025-01-01,\n"
    "Caribe Holdings SA,Island Leasing Ltd,100,equity,2025-01-01,\n"
    "id:ofac-36,Harbour Services,100,equity,2020-01-01,2023-12-31\n"
    "id:ofac-36,Island Leasing Ltd,-5,,,\n"
)


def _listed(store: Store) -> None:
    import_publication(store, shared_file("lists/ofac/sdn_advanced-excerpt-2026-09-09.xml"))


def _edges(tmp_path: Path, zomor: str = "id:ofac-2677") -> Path:
    path = tmp_path / "edges.csv"
    path.write_text(EDGES.format(zomor=zomor), encoding="utf-8")
    return path


def test_csv_edges_in_the_store_give_proofs(store: Store, tmp_path: Path) -> None:
    _listed(store)
    result = import_graph(store, _edges(tmp_path))
    assert (result.rows_read, result.edges, result.parties) == (5, 4, 3)
    assert [str(i) for i in result.issues] == ["line 6: share '-5' is negative"]
    exposure = Exposure.load(store, AS_OF)
    us = exposure.evaluation("us")
    assert sorted(us.hit_ids()) == ["name:caribe holdings sa", "name:island leasing ltd"]
    answer = exposure.answer("name:island leasing ltd", "us")
    assert answer.status == "blocked"
    lines = answer.proofs[0].lines()
    assert lines[0].startswith(
        "AEROCARIBBEAN AIRLINES (SDN) 30% + AL-ZOMOR, Abboud Abdul Latif Hassan (SDN) 25% "
        "of Caribe Holdings SA = 55% >= 50%"
    )
    assert "FAQ 401" in lines[1]
    # dated: Harbour Services was held until the end of 2023 only
    assert exposure.answer("name:harbour services", "us").status == "clear"
    # On 2023-06-01 the only SDN version (published 2026-09-09) was not in force: no seeds.
    past = Exposure.load(store, dt.date(2023, 6, 1))
    assert past.data.notes == ["no list version in force on 2023-06-01 for us_ofac_sdn"]
    assert past.data.seeds["us"] == {}
    assert past.answer("name:harbour services", "us").status == "clear"


def test_reimport_replaces_the_source(store: Store, tmp_path: Path) -> None:
    _listed(store)
    path = _edges(tmp_path)
    import_graph(store, path)
    path.write_text("owner,owned,share\nid:ofac-36,Other Co,60\n", encoding="utf-8")
    import_graph(store, path)
    owned = OwnershipStore(store)
    assert [(e.owner, e.owned) for e in owned.edges()] == [("ofac-36", "name:other co")]
    assert len(owned.imports()) == 1


def test_exposure_note_for_screening_results(sqlite_store: Store, tmp_path: Path) -> None:
    _listed(sqlite_store)
    import_graph(sqlite_store, _edges(tmp_path))
    note = exposure_note(sqlite_store, "name:island leasing ltd", AS_OF)
    assert note is not None and note["statuses"] == {"us": "blocked"}
    assert "tripwire exposure name:island leasing ltd" in note["see"]
    assert note["paths"]["us"][0][-1].endswith(
        "Island Leasing Ltd blocked (OFAC 50 Percent "
        "Rule (31 CFR 587.406); OFAC FAQ 401 (a blocked "
        "intermediary's whole stake counts))"
    )
    assert exposure_note(sqlite_store, "ofac-36", AS_OF) is None  # listed: the match says so
    assert exposure_note(sqlite_store, "name:harbour services", AS_OF) is None


def test_names_resolve_through_the_screener_with_confidence(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _listed(sqlite_store)
    screener = Screener.from_store(sqlite_store, tmp_path / "index")
    resolver = ScreenerResolver(screener)
    result = import_graph(
        sqlite_store, _edges(tmp_path, "Abboud Abdul Latif Hassan AL-ZOMOR"), resolver=resolver
    )
    assert result.resolved == 1
    party = OwnershipStore(sqlite_store).parties()[
        ("graph_edges", "name:abboud abdul latif hassan al-zomor")
    ]
    assert party.entity_id == "ofac-2677" and party.confidence is not None
    assert party.confidence >= resolver.threshold
    edge = next(e for e in OwnershipStore(sqlite_store).edges() if e.owner == "ofac-2677")
    assert edge.confidence == pytest.approx(party.confidence)
    exposure = Exposure.load(sqlite_store, AS_OF)
    assert exposure.answer("name:caribe holdings sa", "us").status == "blocked"


def test_art_5h_seeds_are_the_annex_xiv_banks_from_their_dates(
    sqlite_store: Store, tmp_path: Path
) -> None:
    annex = import_graph(sqlite_store, shared_file("lists/eu/32014R0833.csv"))
    assert annex.source == "eu_annex_xiv" and not annex.issues
    banks = {p.name: p.since for p in OwnershipStore(sqlite_store).parties().values()}
    assert banks["VTB BANK"] == dt.date(2022, 3, 12)
    assert banks["Sberbank"] == dt.date(2022, 6, 14)
    edges = tmp_path / "sber.csv"
    edges.write_text(
        "owner,owned,share,owned_country\n"
        "Sberbank,Sberbank Leasing,100,ru\n"
        "Sberbank,Sber Europe AG,100,at\n"
        "Sberbank,Minority Bank,50,ru\n",
        encoding="utf-8",
    )
    import_graph(sqlite_store, edges)
    before = Exposure.load(sqlite_store, dt.date(2022, 6, 1))
    assert before.answer("name:sberbank leasing", "eu_5h").status == "clear"
    after = Exposure.load(sqlite_store, dt.date(2022, 7, 1))
    leasing = after.answer("name:sberbank leasing", "eu_5h")
    assert leasing.status == "owned-or-controlled"
    assert "Art. 5h" in leasing.proofs[0].rule and "(Annex XIV)" in leasing.proofs[0].text
    assert after.answer("name:sber europe ag", "eu_5h").status == "flagged"  # not in Russia
    assert after.answer("name:minority bank", "eu_5h").status == "flagged"  # 50 %, not more


def test_as_of_answer_uses_the_list_version_in_force_on_the_date(
    sqlite_store: Store, tmp_path: Path
) -> None:
    history = import_publication(sqlite_store, shared_file("lists/ofac/history/sdn-2022-03-21.csv"))
    assert history.outcome == "imported"
    # the excerpt (published 2026-09-09) is far smaller than the full list: forced
    excerpt = import_publication(
        sqlite_store, shared_file("lists/ofac/sdn_advanced-excerpt-2026-09-09.xml"), force=True
    )
    assert excerpt.outcome == "imported"
    import_graph(sqlite_store, _edges(tmp_path))
    past = Exposure.load(sqlite_store, dt.date(2023, 6, 1))
    assert not past.data.notes
    (version,) = past.data.versions
    assert version.published == dt.date(2022, 3, 21)
    assert past.data.seeds["us"]["ofac-36"].since == dt.date(2022, 3, 21)
    answer = past.answer("name:harbour services", "us")
    assert answer.status == "blocked" and "AEROCARIBBEAN" in answer.proofs[0].text
    before = Exposure.load(sqlite_store, dt.date(2022, 3, 20))
    assert before.data.notes == ["no list version in force on 2022-03-20 for us_ofac_sdn"]
    assert before.answer("name:harbour services", "us").status == "clear"
    now = Exposure.load(sqlite_store, AS_OF)
    assert [v.published for v in now.data.versions] == [dt.date(2026, 9, 9)]


def test_exposure_note_cache_sees_a_recreated_database(tmp_path: Path) -> None:
    # Same URL, same row ids, different data: the cached answer must not be served.
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store(url) as first:
        _listed(first)
        import_graph(first, _edges(tmp_path))
        assert exposure_note(first, "name:island leasing ltd", AS_OF) is not None
    (tmp_path / "store.db").unlink()
    path = tmp_path / "other.csv"
    path.write_text("owner,owned,share\nid:ofac-36,Island Leasing Ltd,10\n", encoding="utf-8")
    with Store(url) as second:
        _listed(second)
        import_graph(second, path, source="graph_edges")
        note = exposure_note(second, "name:island leasing ltd", AS_OF)
        assert note is not None and note["statuses"] == {"us": "flagged"}
