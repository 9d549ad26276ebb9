"""``tripwire graph`` and ``tripwire exposure`` end to end, JSON and the HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import shared_file
from tripwire.cli import app


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TRIPWIRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("TRIPWIRE_DATABASE_URL", raising=False)
    return CliRunner()


def test_graph_import_exposure_and_report(runner: CliRunner, tmp_path: Path) -> None:
    excerpt = shared_file("lists/ofac/sdn_advanced-excerpt-2026-09-09.xml")
    assert runner.invoke(app, ["lists", "import", str(excerpt)]).exit_code == 0
    edges = tmp_path / "edges.csv"
    edges.write_text(
        "owner,owned,share,kind\n"
        "id:ofac-36,Caribe Holdings SA,50,equity\n"
        "Caribe Holdings SA,Island Leasing Ltd,60,equity\n"
        "id:ofac-2677,Island Leasing Ltd,0,board\n"
        "id:ofac-36,Island Leasing Ltd,200,equity\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["graph", "import", str(edges), "--no-resolve", "--json"])
    assert result.exit_code == 0, result.output
    (imported,) = json.loads(result.stdout)
    assert imported["edges"] == 3 and imported["issues"] == [
        "line 5: share '200' is more than 100%"
    ]

    result = runner.invoke(
        app, ["exposure", "name:island leasing ltd", "--as-of", "2026-10-01", "--json"]
    )
    assert result.exit_code == 0, result.output
    answers = {a["regime"]: a for a in json.loads(result.stdout)["answers"]}
    assert answers["us"]["status"] == "blocked"
    assert answers["us"]["proofs"][0]["holdings"][0]["proof"]["total"] == 50.0
    # no EU or UK list imported: nothing is listed there, nothing is hit
    assert answers["eu"]["status"] == answers["uk"]["status"] == "clear"

    human = runner.invoke(
        app, ["exposure", "name:island leasing ltd", "--regime", "us", "--as-of", "2026-10-01"]
    )
    assert human.exit_code == 0 and "FAQ 401" in human.stdout

    report = tmp_path / "report.html"
    result = runner.invoke(
        app, ["exposure", "--all", "--as-of", "2026-10-01", "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") == 2 and "Island Leasing Ltd" in page
    assert "id='us-name_island_leasing_ltd'" in page

    assert runner.invoke(app, ["graph", "show"]).exit_code == 0

    # a name is resolved through the screening engine; a name nobody has is not found
    result = runner.invoke(app, ["exposure", "Aerocaribbean Airlines", "--regime", "us", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["resolved"]["entity_id"] == "ofac-36"
    assert data["answers"][0]["listed"] is True
    assert runner.invoke(app, ["exposure", "Zzyzx Qwerty Unmatched"]).exit_code == 3


def test_exposure_usage_and_not_found(runner: CliRunner) -> None:
    assert runner.invoke(app, ["exposure"]).exit_code == 2
    assert runner.invoke(app, ["exposure", "x", "--regime", "mars"]).exit_code == 2
    assert runner.invoke(app, ["exposure", "x", "--as-of", "yesterday"]).exit_code == 2
    assert runner.invoke(app, ["exposure", "nobody"]).exit_code == 3


def test_graph_import_of_an_unusable_file_is_a_usage_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("parent,child\nA,B\n", encoding="utf-8")
    result = runner.invoke(app, ["graph", "import", str(bad), "--no-resolve"])
    assert result.exit_code == 2
    assert "missing column(s) owner, owned" in result.output
