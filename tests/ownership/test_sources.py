"""Reading edges: list relations, FtM files, user CSV files and their bad rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import shared_file
from tripwire.ownership.model import EdgeKind
from tripwire.ownership.sources import parse_date, read_csv, read_ftm, relation_edges


@pytest.mark.parametrize(
    ("schema", "props", "expected"),
    [
        (
            "Ownership",
            {"owner": ["X"], "asset": ["A"], "percentage": ["75"], "startDate": ["2020-01-10"]},
            ("X", "A", EdgeKind.EQUITY, 75.0),
        ),
        (
            "Ownership",
            {"owner": ["X"], "asset": ["A"], "role": ["Owned or Controlled By"]},
            ("X", "A", EdgeKind.CONTROL, None),
        ),
        (
            "Ownership",
            {"owner": ["X"], "asset": ["A"], "sharesCount": ["10"]},
            ("X", "A", EdgeKind.EQUITY, None),
        ),
        (
            "UnknownLink",
            {"subject": ["A"], "object": ["X"], "role": ["Subsidiary Of"]},
            ("X", "A", EdgeKind.CONTROL, None),
        ),
        (
            "UnknownLink",
            {"subject": ["A"], "object": ["X"], "role": ["Linked To"]},
            ("X", "A", EdgeKind.LINK, None),
        ),
        (
            "Directorship",
            {"director": ["X"], "organization": ["A"]},
            ("X", "A", EdgeKind.LINK, None),
        ),
    ],
)
def test_relation_roles_become_edges(
    schema: str, props: dict[str, list[str]], expected: tuple[object, ...]
) -> None:
    (edge,), issues = relation_edges("rel", schema, props, source="s")
    assert not issues
    assert (edge.owner, edge.owned, edge.kind, edge.share) == expected


def test_relation_with_bad_share_or_dates_is_an_issue() -> None:
    base = {"owner": ["X"], "asset": ["A"]}
    for extra, message in [
        ({"percentage": ["-3"]}, "negative"),
        ({"percentage": ["130"]}, "more than 100%"),
        ({"startDate": ["2022-01-01"], "endDate": ["2021-01-01"]}, "out of order"),
    ]:
        edges, (issue,) = relation_edges("rel-1", "Ownership", base | extra, source="s")
        assert not edges and message in issue.message and issue.row == "rel-1"


def test_partial_dates_cover_their_period() -> None:
    assert parse_date("2022-02", end=True) == dt.date(2022, 2, 28)
    assert parse_date("2022", end=True) == dt.date(2022, 12, 31)
    assert parse_date("2022") == dt.date(2022, 1, 1)


def test_zala_ftm_file_gives_parties_and_dated_edges() -> None:
    result = read_ftm(shared_file("ftm/zala.ftm.json"), "zala")
    assert result.rows_read == 91 and not result.issues
    assert len(result.parties) == 17
    kinds = {e.kind for e in result.edges}
    assert {EdgeKind.EQUITY, EdgeKind.CONTROL, EdgeKind.LINK} <= kinds
    sps = [e for e in result.edges if e.owned == "NK-9Xa4Kg7Y7nfccE7VcZt6Q6"]
    assert [(e.share, e.valid_from, e.valid_to) for e in sps] == [
        (75.0, dt.date(2020, 1, 10), dt.date(2022, 11, 22))
    ]


def test_ftm_unknown_reference_and_bad_line_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "g.ftm.json"
    path.write_text(
        '{"id": "c1", "schema": "Company", "properties": {"name": ["Alpha"]}}\n'
        "not json\n"
        '{"id": "o1", "schema": "Ownership", "properties": '
        '{"owner": ["ghost"], "asset": ["c1"], "percentage": ["60"]}}\n',
        encoding="utf-8",
    )
    result = read_ftm(path, "g")
    assert [i.row for i in result.issues] == ["line 2", "line 3"]
    assert "unknown entity ghost" in result.issues[1].message
    assert not result.edges


def test_csv_bad_rows_are_named_and_the_rest_imports(tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    path.write_text(
        "owner,owned,share,kind,valid_from,valid_to\n"
        "id:L1,Alpha Holdings,30,equity,2025-01-01,\n"  # 2
        "id:L2,Alpha Holdings,25,,2025-01-01,\n"  # 3
        "Alpha Holdings,Beta Leasing,100,equity,,\n"  # 4
        "id:L1,Beta Leasing,-5,,,\n"  # 5 negative
        "id:ghost,Beta Leasing,10,,,\n"  # 6 unknown entity
        "id:L1,Gamma,10,equity,2025-05-01,2024-01-01\n"  # 7 dates out of order
        "id:L1,Gamma,abc,,,\n"  # 8 not a number
        "id:L1,Gamma,150,,,\n"  # 9 over 100
        "id:L1,Gamma,10,stake,,\n"  # 10 unknown kind
        "id:L1,Gamma,10,equity,,,extra\n"  # 11 too many cells
        "id:L1,Gamma,,board,2025-13-01,\n",  # 12 no such month
        encoding="utf-8",
    )
    result = read_csv(path, "user", known={"L1", "L2"}.__contains__)
    assert result.rows_read == 11
    assert [(e.owner, e.owned, e.share) for e in result.edges] == [
        ("L1", "name:alpha holdings", 30.0),
        ("L2", "name:alpha holdings", 25.0),
        ("name:alpha holdings", "name:beta leasing", 100.0),
    ]
    rows = {i.row: i.message for i in result.issues}
    assert sorted(rows) == sorted(f"line {n}" for n in range(5, 13))
    assert "negative" in rows["line 5"]
    assert "unknown entity 'ghost'" in rows["line 6"]
    assert "out of order" in rows["line 7"]
    assert "not a number" in rows["line 8"]
    assert "more than 100%" in rows["line 9"]
    assert "unknown kind 'stake'" in rows["line 10"]
    assert "more cells" in rows["line 11"]
    assert "does not exist" in rows["line 12"]


def test_csv_without_required_columns_is_one_clear_issue(tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    path.write_text("parent,child\nA,B\n", encoding="utf-8")
    result = read_csv(path, "user")
    assert [str(i) for i in result.issues] == ["line 1: missing column(s) owner, owned"]
