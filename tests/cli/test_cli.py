"""The CLI end to end on real files: import, show, diff, entity; JSON output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import shared_file
from tests.lists.httpserver import ListServer, start
from tripwire.cli import app
from tripwire.settings import Settings
from tripwire.store import Store


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TRIPWIRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("TRIPWIRE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRIPWIRE_LISTS_DIR", raising=False)
    return CliRunner()


def _json(runner: CliRunner, *args: str) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_import_show_and_entity_as_json(runner: CliRunner) -> None:
    zala = shared_file("ftm/zala.ftm.json")
    (imported,) = _json(runner, "lists", "import", str(zala))  # type: ignore[misc]
    assert imported["outcome"] == "imported" and imported["source"] == "ftm_zala"
    shown = _json(runner, "lists", "show")
    (version,) = shown["versions"]  # type: ignore[index]
    assert version["source"] == "ftm_zala" and version["current"] and version["parties"] == 14
    first_owner = next(
        json.loads(line) for line in zala.open() if json.loads(line)["schema"] == "Ownership"
    )
    asset = first_owner["properties"]["asset"][0]
    entity = _json(runner, "entity", asset)
    assert entity["id"] == asset and entity["source"] == "ftm_zala"  # type: ignore[index]
    assert "Ownership" in entity["related"]  # type: ignore[index]


def test_human_output_and_unchanged_reimport(runner: CliRunner) -> None:
    zala = str(shared_file("ftm/zala.ftm.json"))
    first = runner.invoke(app, ["lists", "import", zala])
    assert first.exit_code == 0 and "imported" in first.output
    second = runner.invoke(app, ["lists", "import", zala])
    assert second.exit_code == 0 and "unchanged" in second.output
    shown = runner.invoke(app, ["lists", "show"])
    assert "ftm_zala" in shown.output


def test_exit_codes(runner: CliRunner, tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("hello, this is not a sanctions list\n")
    failed = runner.invoke(app, ["lists", "import", str(junk)])
    assert failed.exit_code == 1 and "not a known list format" in failed.output
    assert runner.invoke(app, ["entity", "nope"]).exit_code == 3
    assert runner.invoke(app, ["lists", "diff", "un_sc"]).exit_code == 3
    assert runner.invoke(app, ["lists", "import", "--format", "nope", str(junk)]).exit_code == 2
    assert runner.invoke(app, ["lists", "update", "no_such_source"]).exit_code == 2


def test_offline_update_through_lists_dir(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIPWIRE_LISTS_DIR", str(shared_file("lists")))
    (result,) = _json(runner, "lists", "update", "un_sc")  # type: ignore[misc]
    assert result["outcome"] == "imported"
    (again,) = _json(runner, "lists", "update", "un_sc")  # type: ignore[misc]
    assert again["outcome"] == "unchanged"


def test_ftm_export_reads_back_to_the_same_entities(runner: CliRunner, tmp_path: Path) -> None:
    zala = shared_file("ftm/zala.ftm.json")
    assert runner.invoke(app, ["lists", "import", str(zala)]).exit_code == 0
    out = tmp_path / "export.ftm.json"
    exported = runner.invoke(app, ["lists", "export", "ftm_zala", "--output", str(out)])
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 91 and all(line["datasets"] == ["ftm_zala"] for line in lines)
    again = runner.invoke(app, ["lists", "import", str(out), "--source", "roundtrip", "--json"])
    assert again.exit_code == 0, again.output
    first = _json(runner, "lists", "show", "ftm_zala")["versions"][0]  # type: ignore[index]
    second = _json(runner, "lists", "show", "roundtrip")["versions"][0]  # type: ignore[index]
    assert (second["entities"], second["parties"]) == (first["entities"], first["parties"])
    with Store(Settings.from_env().database_url) as store:
        assert store.entity_index(first["id"]) == store.entity_index(second["id"])
    missing = runner.invoke(app, ["lists", "export", "nothing"])
    assert missing.exit_code == 3


def test_update_from_a_mirror_url_and_a_refused_update_exit_code(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start(ListServer())
    try:
        server.serve(
            "/un_sc/consolidated.xml",
            shared_file("lists/un/UN_consolidated-2026-02-27.xml").read_bytes(),
        )
        monkeypatch.setenv("TRIPWIRE_LISTS_URL", server.url)
        (first,) = _json(runner, "lists", "update", "un_sc")  # type: ignore[misc]
        assert first["outcome"] == "imported"
        server.serve("/un_sc/consolidated.xml", b"<html>maintenance</html>")
        broken = runner.invoke(app, ["lists", "update", "un_sc"])
        assert broken.exit_code == 1 and "previous version kept" in broken.output
        shown = _json(runner, "lists", "show", "un_sc")
        assert [v["current"] for v in shown["versions"]] == [True]  # type: ignore[index]
        assert shown["events"][0]["outcome"] == "failed"  # type: ignore[index]
    finally:
        server.server.shutdown()
