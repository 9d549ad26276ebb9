"""``tripwire screen`` and ``tripwire compare`` end to end against the real UN list.

The UN consolidated list is imported once per module into its own home (the
screening index is built on the first screen and cached there), which keeps
these tests fast while still screening real listed names.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from typer.testing import CliRunner

from tests.conftest import UN_FILE, shared_file
from tripwire.cli import app
from tripwire.cli.screen import ERROR_COLUMNS, PAIR_COLUMNS, RESULT_COLUMNS
from tripwire.screening import Match, Query, Screener


@pytest.fixture
def runner(un_home: Path) -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def un_people() -> dict[str, tuple[str, str]]:
    """Real UN individuals: the first on the list, and the first with an Arabic-script name.

    Values are (name, UN reference); read from the file so the test names are
    provably on the list.
    """
    root = etree.parse(str(shared_file(UN_FILE))).getroot()
    people = root.findall(".//INDIVIDUAL")
    first = people[0]
    name = " ".join(
        (first.findtext(tag) or "").strip()
        for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME")
        if (first.findtext(tag) or "").strip()
    )
    arabic = next(
        p
        for p in people
        if any("\u0600" <= ch <= "\u06ff" for ch in p.findtext("NAME_ORIGINAL_SCRIPT") or "")
    )
    return {
        "first": (name.title(), (first.findtext("REFERENCE_NUMBER") or "").strip()),
        "arabic": (
            (arabic.findtext("NAME_ORIGINAL_SCRIPT") or "").strip(),
            (arabic.findtext("REFERENCE_NUMBER") or "").strip(),
        ),
    }


def _json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


# -- one name --------------------------------------------------------------------------------


def test_a_listed_name_is_the_top_hit(
    runner: CliRunner, un_people: dict[str, tuple[str, str]]
) -> None:
    name, ref = un_people["first"]
    data = _json(runner, "screen", name)
    assert data["query"]["names"] == [name]
    top = data["matches"][0]
    assert (top["source"], top["source_ref"]) == ("un_sc", ref)
    assert top["score"] >= data["threshold"] > 0
    assert top["explanation"]["aligned"], "the explanation shows the aligned tokens"
    human = runner.invoke(app, ["screen", name])
    assert human.exit_code == 0, human.output
    assert ref in human.stdout and "Why #1" in human.stdout and "aligned:" in human.stdout


def test_an_original_script_name_finds_the_same_entry(
    runner: CliRunner, un_people: dict[str, tuple[str, str]]
) -> None:
    name, ref = un_people["arabic"]
    data = _json(runner, "screen", name, "--schema", "Person")
    assert data["matches"] and data["matches"][0]["source_ref"] == ref


def test_no_hit_exits_0_and_threshold_and_limit_apply(
    runner: CliRunner, un_people: dict[str, tuple[str, str]]
) -> None:
    nobody = _json(runner, "screen", "Maria Schmidt")
    assert nobody["matches"] == []
    human = runner.invoke(app, ["screen", "Maria Schmidt"])
    assert human.exit_code == 0 and "no match" in human.stdout
    name, _ref = un_people["first"]
    everything = _json(runner, "screen", name, "--threshold", "0", "--limit", "3")
    assert everything["threshold"] == 0 and len(everything["matches"]) == 3
    scores = [m["score"] for m in everything["matches"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--birth-date", "1970-13"], "birth_date"),
        (["--schema", "Alien"], "schema"),
        (["--country", "Narnia"], "country"),
    ],
)
def test_a_bad_query_field_exits_2_naming_it(
    runner: CliRunner, args: list[str], field: str
) -> None:
    result = runner.invoke(app, ["screen", "Eric Badege", *args])
    assert result.exit_code == 2
    assert f"bad query: {field}:" in result.stderr


def test_empty_name_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", "  "])
    assert result.exit_code == 2 and "name" in result.stderr


# -- query files -------------------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_with_good_and_bad_rows(
    runner: CliRunner, tmp_path: Path, un_people: dict[str, tuple[str, str]]
) -> None:
    name, ref = un_people["first"]
    queries = _write(
        tmp_path / "queries.csv",
        "id,name,schema,birth_date,country,category\n"
        f"q1,{name},Person,,,exact\n"
        "q2,John Miller,Person,1971-04-12,us,neg\n"
        "q3,,Person,,,bad\n"
        "q4,Jane Doe,Person,1970-13,,bad\n"
        "q5,Acme Trading Ltd,Spaceship,,,bad\n"
        "q6,Jan Novak,Person,,Narnia,bad\n",
    )
    out = tmp_path / "out" / "results.csv"
    result = runner.invoke(app, ["screen", str(queries), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 queries read, 2 screened, 4 rejected, 1 with hits" in result.stdout
    assert _header(out) == list(RESULT_COLUMNS)
    rows = _csv(out)
    assert rows and {r["query_id"] for r in rows} == {"q1"}
    assert (rows[0]["rank"], rows[0]["source"], rows[0]["source_ref"]) == ("1", "un_sc", ref)
    explanation = json.loads(rows[0]["explanation"])
    assert explanation["query_name"] == name and float(rows[0]["score"]) > 0.5
    errors = tmp_path / "out" / "results.errors.csv"
    assert _header(errors) == list(ERROR_COLUMNS)
    rejected = [(r["line"], r["id"], r["field"]) for r in _csv(errors)]
    assert rejected == [
        ("4", "q3", "name"),
        ("5", "q4", "birth_date"),
        ("6", "q5", "schema"),
        ("7", "q6", "country"),
    ]
    assert all(r["reason"] for r in _csv(errors))


def test_malformed_rows_and_ids_are_rejected_not_guessed(runner: CliRunner, tmp_path: Path) -> None:
    queries = _write(
        tmp_path / "queries.csv",
        "id,name,country\n"
        "a,Maria Schmidt,de\n"
        "b,Acme, Inc,us\n"  # an unquoted comma shifts the country
        ",Nobody Known,\n"
        "a,Maria Schmidt again,de\n"
        ",,\n"
        "c,Hans Weber,at,,\n",  # empty trailing fields, as spreadsheets export them
    )
    out = tmp_path / "results.csv"
    summary = _json(runner, "screen", str(queries), "--output", str(out), "--threshold", "0")
    assert (summary["read"], summary["screened"], summary["rejected"]) == (5, 2, 3)
    assert summary["blank_lines"] == 1
    rejected = {r["line"]: (r["id"], r["field"]) for r in _csv(tmp_path / "results.errors.csv")}
    assert rejected == {"3": ("b", "row"), "4": ("", "id"), "5": ("a", "id")}


def test_jsonl_output_has_one_object_per_query(
    runner: CliRunner, tmp_path: Path, un_people: dict[str, tuple[str, str]]
) -> None:
    name, ref = un_people["first"]
    queries = _write(tmp_path / "q.csv", f"name,id\n{name},x1\nMaria Schmidt,x2\n,x3\n")
    out = tmp_path / "results.jsonl"
    errors = tmp_path / "rejected.csv"
    summary = _json(runner, "screen", str(queries), "-o", str(out), "--errors", str(errors))
    assert (summary["read"], summary["screened"], summary["with_hits"]) == (3, 2, 1)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["x1", "x2"]
    assert lines[0]["matches"][0]["source_ref"] == ref and lines[1]["matches"] == []
    assert [r["id"] for r in _csv(errors)] == ["x3"]


def test_show_prints_the_hits(
    runner: CliRunner, tmp_path: Path, un_people: dict[str, tuple[str, str]]
) -> None:
    name, ref = un_people["first"]
    queries = _write(tmp_path / "q.csv", f"id,name\nc1,{name}\nc2,Maria Schmidt\n")
    result = runner.invoke(app, ["screen", str(queries), "-o", str(tmp_path / "r.csv"), "--show"])
    assert result.exit_code == 0, result.output
    assert ref in result.stdout and "c1" in result.stdout and "c2" not in result.stdout


def test_missing_name_column_exits_2_naming_it(runner: CliRunner, tmp_path: Path) -> None:
    queries = _write(tmp_path / "people.csv", "id,full_name\n1,Eric Badege\n")
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["screen", str(queries), "--output", str(out)])
    assert result.exit_code == 2
    assert "people.csv" in result.stderr and "missing column 'name'" in result.stderr
    assert not out.exists()


def test_a_file_that_is_not_utf8_exits_2_with_the_offset(runner: CliRunner, tmp_path: Path) -> None:
    queries = tmp_path / "latin1.csv"
    queries.write_bytes("id,name\n1,Jürgen Müller\n".encode("latin-1"))
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["screen", str(queries), "--output", str(out)])
    assert result.exit_code == 2
    assert "latin1.csv" in result.stderr and "byte offset 11" in result.stderr
    assert not out.exists()


def test_utf8_with_bom_is_read(runner: CliRunner, tmp_path: Path) -> None:
    queries = tmp_path / "bom.csv"
    queries.write_bytes("id,name\n1,Jürgen Müller\n".encode("utf-8-sig"))
    summary = _json(runner, "screen", str(queries), "--output", str(tmp_path / "r.csv"))
    assert (summary["read"], summary["screened"]) == (1, 1)


def test_an_empty_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    queries = _write(tmp_path / "empty.csv", "")
    result = runner.invoke(app, ["screen", str(queries), "--output", str(tmp_path / "r.csv")])
    assert result.exit_code == 2 and "empty.csv is empty" in result.stderr


def _fail_on(name: str, exc: BaseException, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the screener raise ``exc`` for the query named ``name``."""
    real = Screener.screen

    def screen(self: Screener, query: Query, **kwargs: Any) -> list[Match]:
        if query.names == (name,):
            raise exc
        return real(self, query, **kwargs)

    monkeypatch.setattr(Screener, "screen", screen)


def test_an_interrupted_run_leaves_no_output_and_the_old_one_untouched(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = _write(tmp_path / "q.csv", "id,name\n1,Maria Schmidt\n2,Ctrl C\n3,John Miller\n")
    out = tmp_path / "r.csv"
    out.write_text("previous results\n")
    _fail_on("Ctrl C", KeyboardInterrupt(), monkeypatch)
    result = runner.invoke(app, ["screen", str(queries), "--output", str(out)])
    assert result.exit_code != 0
    assert out.read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.csv", "r.csv"]


def test_a_row_the_screener_fails_on_is_rejected_not_fatal(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = _write(tmp_path / "q.csv", "id,name\n1,Maria Schmidt\n2,Boom\n3,John Miller\n")
    _fail_on("Boom", RuntimeError("engine bug"), monkeypatch)
    out = tmp_path / "r.csv"
    summary = _json(runner, "screen", str(queries), "--output", str(out))
    assert (summary["screened"], summary["rejected"]) == (2, 1)
    (error,) = _csv(tmp_path / "r.errors.csv")
    assert error["id"] == "2" and "RuntimeError: engine bug" in error["reason"]


def test_file_usage_errors(runner: CliRunner, tmp_path: Path) -> None:
    queries = _write(tmp_path / "q.csv", "id,name\n1,Maria Schmidt\n")
    no_output = runner.invoke(app, ["screen", str(queries)])
    assert no_output.exit_code == 2 and "--output" in no_output.stderr
    onto_itself = runner.invoke(app, ["screen", str(queries), "--output", str(queries)])
    assert onto_itself.exit_code == 2 and queries.read_text() == "id,name\n1,Maria Schmidt\n"
    missing = runner.invoke(app, ["screen", str(tmp_path / "nope.csv"), "-o", "x.csv"])
    assert missing.exit_code == 2 and "no such file" in missing.stderr


# -- compare ---------------------------------------------------------------------------------


def test_compare_two_names(runner: CliRunner) -> None:
    same = _json(runner, "compare", "Abdul Ghani Baradar", "BARADAR, Abdul Ghani")
    other = _json(runner, "compare", "Abdul Ghani Baradar", "Eric Badege")
    assert same["match"] and same["score"] >= same["threshold"]
    assert not other["match"] and other["score"] < 0.2
    assert same["explanation"]["list_name"] == "BARADAR, Abdul Ghani"
    human = runner.invoke(app, ["compare", "Abdul Ghani Baradar", "BARADAR, Abdul Ghani"])
    assert human.exit_code == 0 and "match" in human.stdout and "baradar" in human.stdout


def test_compare_pairs_file(runner: CliRunner, tmp_path: Path) -> None:
    pairs = _write(
        tmp_path / "pairs.csv",
        "id,left_name,right_name,schema,label\n"
        "p1,Abdul Ghani Baradar,BARADAR Abdul Ghani,Person,match\n"
        "p2,Abdul Ghani Baradar,Eric Badege,Person,non-match\n"
        "p3,Eric Badege,,Person,bad\n"
        "p4,Eric Badege,Erik Badege,Alien,bad\n",
    )
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["compare", "--pairs", str(pairs), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 pairs read, 2 scored, 2 rejected" in result.stdout
    assert _header(out) == list(PAIR_COLUMNS)
    scores = {r["id"]: float(r["score"]) for r in _csv(out)}
    assert set(scores) == {"p1", "p2"} and scores["p1"] > 0.5 > scores["p2"]
    assert json.loads(_csv(out)[0]["explanation"])["aligned"]
    errors = [(r["id"], r["field"]) for r in _csv(tmp_path / "scores.errors.csv")]
    assert errors == [("p3", "right_name"), ("p4", "schema")]


@pytest.mark.parametrize(
    "args",
    [
        ["compare"],
        ["compare", "only one"],
        ["compare", "one", "two", "three"],
        ["compare", "one", "two", "--pairs", "pairs.csv"],
        ["compare", "--pairs", "pairs.csv"],  # no --output
    ],
)
def test_compare_needs_two_names_or_pairs(
    runner: CliRunner, tmp_path: Path, args: list[str]
) -> None:
    _write(tmp_path / "pairs.csv", "id,left_name,right_name\n1,a b,a b\n")
    args = [str(tmp_path / a) if a == "pairs.csv" else a for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output


# -- no lists ----------------------------------------------------------------------------------


def test_no_lists_imported_exits_3(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIPWIRE_HOME", str(tmp_path / "empty_home"))
    queries = _write(tmp_path / "q.csv", "id,name\n1,Maria Schmidt\n")
    for args in (
        ["screen", "Maria Schmidt"],
        ["screen", str(queries), "--output", str(tmp_path / "r.csv")],
        ["compare", "Maria Schmidt", "Mария Шмидт"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 3, (args, result.output)
        assert "no lists imported: tripwire lists import FILE" in result.stderr
    assert not (tmp_path / "r.csv").exists()


def test_two_workers_write_the_same_results_as_one(runner: CliRunner, tmp_path: Path) -> None:
    rows = ["id,name,schema"] + [f"q{i},Eric Badege {i % 3},Person" for i in range(600)]
    rows += ["bad,,Person", "q1,Duplicate,Person"]
    queries = _write(tmp_path / "q.csv", "\n".join(rows) + "\n")
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"r{workers}.csv"
        summary = _json(
            runner, "screen", str(queries), "-o", str(out), "--workers", workers, "--threshold", "0"
        )
        assert (summary["screened"], summary["rejected"]) == (600, 2)
        outputs.append((out.read_text(), (tmp_path / f"r{workers}.errors.csv").read_text()))
    assert outputs[0] == outputs[1]
    assert outputs[0][0].count("\n") > 300  # the results are really there, in both
