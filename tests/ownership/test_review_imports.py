"""Imports: parties per source, arrangements stored, and the CSV/annex reading gaps."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from tests.conftest import shared_file
from tripwire.lists.importer import import_publication
from tripwire.ownership.importer import import_graph
from tripwire.ownership.model import EdgeKind
from tripwire.ownership.resolve import Resolution
from tripwire.ownership.service import Exposure
from tripwire.ownership.sources import MAX_ID_CHARS, parse_date, parse_share, read_annex, read_csv
from tripwire.ownership.store import OwnershipStore
from tripwire.store import Store

AS_OF = dt.date(2026, 10, 1)


def _resolver(names: dict[str, str]):  # type: ignore[no-untyped-def]
    def resolve(
        given: Iterable[str],
        schema: str | None,
        countries: Iterable[str] = (),
        identifiers: Iterable[str] = (),
    ) -> Resolution | None:
        for name in given:
            if name in names:
                return Resolution(names[name], "us_ofac_sdn", name, 0.95)
        return None

    return resolve


# -- defect 4: parties belong to their source ---------------------------------------------


def test_reimporting_one_source_keeps_the_parties_of_another(store: Store, tmp_path: Path) -> None:
    import_publication(store, shared_file("lists/ofac/sdn_advanced-excerpt-2026-09-09.xml"))
    resolver = _resolver({"Caribe Air Holdings": "ofac-36"})
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("owner,owned,share\nCaribe Air Holdings,Alpha Co,60\n", encoding="utf-8")
    b.write_text("owner,owned,share\nCaribe Air Holdings,Beta Co,60\n", encoding="utf-8")
    import_graph(store, a, resolver=resolver)
    import_graph(store, b, resolver=resolver)
    owned = OwnershipStore(store)
    assert {k for k in owned.parties() if k[1] == "name:caribe air holdings"} == {
        ("graph_a", "name:caribe air holdings"),
        ("graph_b", "name:caribe air holdings"),
    }
    # source a is re-imported without the party: b's edge still goes through it
    a.write_text("owner,owned,share\nid:ofac-2677,Alpha Co,60\n", encoding="utf-8")
    import_graph(store, a, resolver=resolver)
    edges = {(e.source, e.owner, e.owned) for e in owned.edges()}
    assert ("graph_b", "ofac-36", "name:beta co") in edges
    exposure = Exposure.load(store, AS_OF)
    assert exposure.answer("name:beta co", "us").status == "blocked"
    assert exposure.answer("name:alpha co", "us").status == "blocked"  # now via ofac-2677


def test_each_source_keeps_its_own_resolution(sqlite_store: Store, tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("owner,owned,share\nNorth Star,Alpha Co,60\n", encoding="utf-8")
    b.write_text("owner,owned,share\nNorth Star,Beta Co,60\n", encoding="utf-8")
    import_graph(sqlite_store, a, resolver=_resolver({"North Star": "ofac-36"}))
    import_graph(sqlite_store, b)  # not resolved in b
    ends = {(e.source, e.owner) for e in OwnershipStore(sqlite_store).edges()}
    assert ends == {("graph_a", "ofac-36"), ("graph_b", "name:north star")}


def test_joint_arrangement_ids_are_stored_and_evaluated(store: Store, tmp_path: Path) -> None:
    import_publication(store, shared_file("lists/ofac/sdn_advanced-excerpt-2026-09-09.xml"))
    path = tmp_path / "joint.csv"
    path.write_text(
        "owner,owned,share,kind,arrangement\n"
        "id:ofac-36,Target Co,20,,\n"
        "Z One,Target Co,20,,\n"
        "Z Two,Target Co,15,,\n"
        "Z Three,Target Co,15,,\n"
        "id:ofac-36,Target Co,,joint,a1\n"
        "Z One,Target Co,,joint,a1\n"
        "Z Two,Target Co,,joint,a2\n"
        "Z Three,Target Co,,joint,a2\n"
        "Z Three,Target Co,15,equity,a2\n",
        encoding="utf-8",
    )
    result = import_graph(store, path)
    assert [str(i) for i in result.issues] == [
        "line 10: arrangement 'a2' goes with kind joint, not equity"
    ]
    joint = [e for e in OwnershipStore(store).edges() if e.kind == EdgeKind.JOINT]
    assert sorted(e.arrangement for e in joint) == ["a1", "a1", "a2", "a2"]
    data = Exposure.load(store, AS_OF).data
    # the UK regime reads gb_fcdo seeds: make the SDN party a UK seed to test pooling
    seed = data.seeds["us"]["ofac-36"]
    data.seeds["uk"]["ofac-36"] = seed
    answer = Exposure(data).answer("name:target co", "uk")
    assert answer.status == "flagged"  # ofac-36's arrangement holds 40 %, not more than 50 %


# -- defect 6: CSV reading ------------------------------------------------------------------


@pytest.fixture
def field_limit() -> Iterator[None]:
    """The csv module's default field limit (other readers may have raised it)."""
    before = csv.field_size_limit(131_072)
    yield
    csv.field_size_limit(before)


@pytest.mark.usefixtures("field_limit")
def test_oversized_field_is_one_bad_row_and_the_rest_imports(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(
        f'owner,owned,share\nA Co,B Co,60\n"{"x" * 140_000}",C Co,10\nD Co,E Co,70\n',
        encoding="utf-8",
    )
    result = read_csv(path, "user")
    assert [(e.owner, e.owned) for e in result.edges] == [
        ("name:a co", "name:b co"),
        ("name:d co", "name:e co"),
    ]
    (issue,) = result.issues
    assert issue.row == "line 3" and "malformed CSV" in issue.message
    assert result.rows_read == 3


def test_long_names_are_row_errors(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        f"owner,owned,share\n{'y' * (MAX_ID_CHARS + 1)},B Co,60\nA Co,B Co,60\n",
        encoding="utf-8",
    )
    result = read_csv(path, "user")
    assert len(result.edges) == 1
    assert [(i.row, "characters long" in i.message) for i in result.issues] == [("line 2", True)]


def test_long_names_and_sources_import_on_every_backend(store: Store, tmp_path: Path) -> None:
    name = "Ц" * MAX_ID_CHARS  # 2,000 bytes of UTF-8: past the old String(255) columns
    path = tmp_path / "long.csv"
    path.write_text(f"owner,owned,share\n{name},{name[:-10]} Ltd,60\n", encoding="utf-8")
    source = "s" * 200
    result = import_graph(store, path, source=source)
    assert result.edges == 1 and not result.issues
    (edge,) = OwnershipStore(store).edges()
    assert edge.source == source and len(edge.owner) == len("name:") + MAX_ID_CHARS
    with pytest.raises(ValueError, match="source name"):
        import_graph(store, path, source="s" * 201)


@pytest.mark.parametrize("bad", ["2024-01-015", "2024-01-01junk", "2024-1-01", "20240101x"])
def test_dates_with_trailing_text_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="not YYYY-MM-DD"):
        parse_date(bad)


def test_dates_with_a_time_of_day_are_read() -> None:
    assert parse_date("2022-01-17T10:00:00") == dt.date(2022, 1, 17)
    assert parse_date("2022-01-17") == dt.date(2022, 1, 17)


def test_nan_share_is_not_a_number() -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_share("nan")
    with pytest.raises(ValueError, match="negative"):
        parse_share("-1")


def test_fraction_shares_warn_that_shares_are_percentages(tmp_path: Path) -> None:
    path = tmp_path / "fractions.csv"
    path.write_text("owner,owned,share\nA Co,B Co,0.5\nC Co,B Co,0.25\n", encoding="utf-8")
    result = read_csv(path, "user")
    assert len(result.edges) == 2  # imported as stated, never rescaled
    (warning,) = result.issues
    assert warning.warning and "percentages" in warning.message
    ok = tmp_path / "ok.csv"
    ok.write_text("owner,owned,share\nA Co,B Co,0.5\nC Co,B Co,50\n", encoding="utf-8")
    assert not read_csv(ok, "user").issues


def test_bare_value_shaped_like_a_list_id_warns(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(
        "owner,owned,share\nofac-123,B Co,60\nofac-36,B Co,10\nRolls-Royce,B Co,5\n",
        encoding="utf-8",
    )
    result = read_csv(path, "user", known={"ofac-36"}.__contains__)
    assert [e.owner for e in result.edges] == ["name:ofac-123", "ofac-36", "name:rolls-royce"]
    (warning,) = result.issues
    assert warning.row == "line 2" and warning.warning
    assert "looks like a list entity id" in warning.message and "id:ofac-123" in warning.message


def test_warnings_are_not_rejections(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "fractions.csv"
    path.write_text("owner,owned,share\nA Co,B Co,0.5\n", encoding="utf-8")
    result = import_graph(sqlite_store, path)
    assert result.edges == 1 and result.rejected == 0 and len(result.issues) == 1
    assert OwnershipStore(sqlite_store).imports()[0]["rows_rejected"] == 0


@pytest.mark.usefixtures("field_limit")
def test_annex_errors_name_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "annex.csv"
    path.write_text(
        "celex,annex,name,startDate\n"
        "32014R0833,XIV,VTB BANK,12 March 2022\n"
        "32014R0833,XIV,Bad Date Bank,sometime\n"
        f'32014R0833,XIV,"{"z" * 140_000}",12 March 2022\n'
        "32014R0833,XIV,Extra Bank,12 March 2022,extra\n"
        "32014R0833,XIV,Sberbank,14 June 2022\n",
        encoding="utf-8",
    )
    result = read_annex(path)
    assert [p.name for p in result.parties] == ["VTB BANK", "Sberbank"]
    rows = {i.row: i.message for i in result.issues}
    assert "neither" in rows["annex.csv line 3"]
    assert "malformed CSV" in rows["annex.csv line 4"]
    assert "more cells" in rows["annex.csv line 5"]
    missing = tmp_path / "columns.csv"
    missing.write_text("celex,annex\n1,XIV\n", encoding="utf-8")
    (issue,) = read_annex(missing).issues
    assert issue.row == "columns.csv line 1" and "name, startDate" in issue.message
    undecodable = tmp_path / "latin1.csv"
    undecodable.write_bytes(
        "celex,annex,name,startDate\n1,XIV,Caf\xe9,12 March 2022\n".encode("latin-1")
    )
    (issue,) = read_annex(undecodable).issues
    assert "cannot read" in issue.message and "latin1.csv" in issue.row
