"""The synthetic register generator (benchmarks/make_register.py); needs the ``bench`` extra."""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests.conftest import ROOT
from tripwire.screening.engine import load_targets
from tripwire.store import Store

pytest.importorskip("faker")


def _load() -> ModuleType:
    path = ROOT / "benchmarks" / "make_register.py"
    spec = importlib.util.spec_from_file_location("tripwire_bench_make_register", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def parties(sqlite_0321: Path) -> list[object]:
    with Store(f"sqlite:///{sqlite_0321}") as store:
        return load_targets(store, store.current_versions())


def test_register_is_realistic_planted_and_deterministic(
    parties: list[object], tmp_path: Path
) -> None:
    gen = _load()
    n = 10_000
    chosen = gen.pick_parties(parties, round(n * 0.001), np.random.default_rng(2))
    rows, truth = gen.generate(n, 7, chosen)
    assert len(rows) == n and len(truth) == 10  # exactly 0.1%
    assert (rows, truth) == gen.generate(n, 7, chosen)  # same seed, same register
    assert gen.generate(n, 8, chosen)[0] != rows
    names = [r[1] for r in rows]
    for script in ("[а-яА-Я]", "[\u0600-\u06ff]", "[\u4e00-\u9fff]"):
        assert sum(bool(re.search(script, name)) for name in names) > n * 0.03, script
    assert sum(bool(re.search(r"\b(GmbH|LLC|SA|ООО|ПАО|Ltd)\b", name)) for name in names) > n * 0.05
    assert {"Person", "Company"} <= {r[2] for r in rows}
    by_id = {r[0]: r for r in rows}
    listed = {p.entity_id: p for p in chosen}  # type: ignore[attr-defined]
    for record_id, entity_id, _source, kind, listed_name, name in truth:
        assert by_id[record_id][1] == name and entity_id in listed
        assert listed_name in {text for text, _kind in listed[entity_id].names}
        assert kind in {
            "translit", "order", "typo", "drop_middle", "initial", "case", "natural",
            "legal_form",
        }  # fmt: skip
    assert len({t[3] for t in truth}) >= 4  # varied spellings

    out = tmp_path / "register.csv"
    gen.write(rows, out, gen.COLUMNS)
    with out.open(encoding="utf-8", newline="") as handle:
        read = list(csv.reader(handle))
    assert read[0] == list(gen.COLUMNS) and len(read) == n + 1
    parquet = tmp_path / "register.parquet"
    gen.write(rows, parquet, gen.COLUMNS)
    import pyarrow.parquet as pq

    assert pq.read_table(parquet).num_rows == n
