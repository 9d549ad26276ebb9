"""Register records: what their hash covers, their keys, and the rows a file cannot give."""

from __future__ import annotations

from pathlib import Path

import pytest

from tripwire.batch.inputs import InputFileError
from tripwire.monitor.records import (
    RegisterFile,
    RegisterRecord,
    name_keys,
    query_from_json,
    query_to_json,
)
from tripwire.screening.normalize import skeleton, tokenize
from tripwire.screening.query import Query


def test_query_round_trips_without_normalising_again() -> None:
    query = Query.create(
        "Швыткин Юрий Николаевич", schema="Person", birth_date="1965", countries=["ru"]
    )
    assert query_from_json(query_to_json(query)) == query


def test_hash_changes_exactly_when_screening_would_see_a_difference() -> None:
    a = RegisterRecord("1", Query.create("Denis Parfenov", schema="Person"))
    same = RegisterRecord("1", Query.create("  Denis   Parfenov ", schema="Person"))
    other_date = RegisterRecord(
        "1", Query.create("Denis Parfenov", schema="Person", birth_date="1987")
    )
    assert a.hash == same.hash  # spacing is cleaned before anything is compared
    assert a.hash != other_date.hash


@pytest.mark.parametrize(
    ("name", "schema", "expected"),
    [
        ("Dmitriy Peskov", "Person", {skeleton("dmitriy"), skeleton("peskov")}),
        ("V. V. Volodin", "Person", {skeleton("volodin")}),  # initials are not keys
        ("OOO Romashka", "Company", {skeleton("romashka")}),  # nor are legal forms
    ],
)
def test_keys_are_word_skeletons(name: str, schema: str, expected: set[str]) -> None:
    assert name_keys(tokenize(name, schema)) == expected
    assert skeleton("dmitriy") == skeleton("dmitry")  # so romanisations share a key


def test_register_file_rejects_rows_with_row_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(
        "id,name,schema,birth_date,country\n"
        "c1,Anatoliy Bifov,Person,1965,ru\n"
        ",No Id,Person,,\n"
        "c1,Duplicate,Person,,\n"
        "c3,,Person,,\n"
        "c4,Bad Date,Person,1965-13-40,\n"
        "c5,Bad Country,Person,,Atlantis\n"
        "c6,Acme Trading GmbH,Company,,de\n",
        encoding="utf-8",
    )
    source = RegisterFile(path)
    assert [r.record_id for r in source.records()] == ["c1", "c6"]
    assert source.read == 7
    assert [(r.row, r.record_id, r.field) for r in source.rejected] == [
        (2, "", "id"),
        (3, "c1", "id"),
        (4, "c3", "name"),
        (5, "c4", "birth_date"),
        (6, "c5", "country"),
    ]


def test_unreadable_register_file_is_refused(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("id,name\n1,Bj\xf6rn\n".encode("latin-1"))
    with pytest.raises(InputFileError, match="not UTF-8"):
        RegisterFile(latin1)
    no_name = tmp_path / "no_name.csv"
    no_name.write_text("id,full_name\n1,X\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="name"):
        RegisterFile(no_name)


def test_records_prepared_in_worker_processes_are_the_same(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    rows = [
        f"c{i},{name},Person,," for i, name in enumerate(["Anatoliy Bifov", "", "Jane Doe"] * 1500)
    ]
    path.write_text("id,name,schema,birth_date,country\n" + "\n".join(rows) + "\nc0,Again,,,\n")
    one, two = RegisterFile(path), RegisterFile(path)
    assert list(one.records()) == list(two.records(workers=2))
    assert one.rejected == two.rejected and len(one.rejected) == 1501  # 1500 empty names, 1 dup
    assert one.rejected[-1].field == "id" and one.read == two.read == 4501
