"""The compiled kernel against the reference: same distances, same features, same matches.

``names.compare_names`` is the reference comparison (it also explains a match);
the compiled kernel computes the name features of every candidate. Here both
run on the benchmark's queries against the real UN list, pair by pair.
"""

from __future__ import annotations

import csv
import pickle
import random

import numpy as np
import pytest
from rapidfuzz.distance import OSA, Indel

from tests.conftest import SHARED_DATA
from tripwire.screening import Query, QueryError, Screener
from tripwire.screening._kernel import Kernel, Retriever, lcs, osa
from tripwire.screening.features import name_vector
from tripwire.screening.kernel import comparison, pack_query
from tripwire.screening.names import compare_names

BENCH_QUERIES = SHARED_DATA.parent / "bench" / "dev_queries.csv"


@pytest.fixture(scope="module")
def bench_queries() -> list[Query]:
    if not BENCH_QUERIES.exists():
        pytest.skip(f"benchmark queries {BENCH_QUERIES} are absent (../shared/bench)")
    queries = []
    with BENCH_QUERIES.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                queries.append(
                    Query.create(
                        row["name"],
                        schema=row["schema"],
                        birth_date=row["birth_date"],
                        countries=row["country"],
                        identifiers=row["identifier"],
                    )
                )
            except QueryError:
                continue
    return queries


def test_distances_equal_rapidfuzz() -> None:
    rng = random.Random(7)
    for _ in range(20_000):
        a = "".join(rng.choice("abcd") for _ in range(rng.randint(0, 9)))
        b = "".join(rng.choice("abcd") for _ in range(rng.randint(0, 9)))
        assert osa(a, b) == OSA.distance(a, b), (a, b)
        # Patterns of up to 64 letters go bit-parallel, longer ones through the table.
        c = "".join(rng.choice("abcde") for _ in range(rng.randint(50, 80)))
        d = c[: rng.randint(0, len(c))] + rng.choice(["", "x", "ba"]) + c[rng.randint(0, 80) :]
        assert osa(c, d) == OSA.distance(c, d), (c, d)
        # Long strings cross the 64-bit blocks of the bit-parallel LCS.
        long_a, long_b = a * rng.randint(1, 30), b * rng.randint(1, 30)
        assert len(long_a) + len(long_b) - 2 * lcs(long_a, long_b) == Indel.distance(long_a, long_b)


def test_name_features_equal_reference(un_screener: Screener, bench_queries: list[Query]) -> None:
    index = un_screener.index
    pairs = 0
    for query in bench_queries[:1500]:
        found = un_screener.candidates(query)
        for prepared in un_screener.prepare(query):
            packed = pack_query(prepared, index.packed)
            for t_index, _score, rows in found:
                schema = index.targets[t_index].schema
                for row in rows:
                    reference = name_vector(
                        compare_names(prepared, index.name_prepared[row], schema, index.rarity),
                        index.name_kind[row],
                    )
                    assert list(un_screener.kernel.align(packed, row)[0]) == reference, (
                        query.names,
                        index.name_text[row],
                    )
                    assert comparison(
                        un_screener.kernel, packed, prepared, index.name_prepared[row], row
                    ) == compare_names(prepared, index.name_prepared[row], schema, index.rarity)
                    pairs += 1
    assert pairs > 20_000


def _reference_screen(screener: Screener, query: Query, cutoff: float) -> list[tuple[str, float]]:
    """Every candidate scored by the reference scorer (no kernel, no pruning)."""
    prepared = screener.prepare(query)
    scored = []
    for t_index, _score, rows in screener.candidates(query):
        result = screener.score_target(query, t_index, rows, prepared)
        if result.score >= cutoff:
            scored.append((screener.index.targets[t_index].entity_id, result.score))
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))


def test_screen_equals_reference_scorer(un_screener: Screener, bench_queries: list[Query]) -> None:
    """Pruning at the threshold and the kernel's best pair change no score and no order."""
    for cutoff in (0.0, 0.2, un_screener.threshold):
        for query in bench_queries[:600]:
            got = [
                (m.entity_id, m.score)
                for m in un_screener.screen(query, limit=1000, threshold=cutoff)
            ]
            assert got == _reference_screen(un_screener, query, cutoff), query.names


def test_explanation_is_the_reference_alignment(un_screener: Screener) -> None:
    query = Query.create("Abdul Rahman Yasin", schema="Person")
    match = un_screener.screen(query, limit=1)[0]
    reference = un_screener.score_target(
        query,
        next(i for i, t in enumerate(un_screener.index.targets) if t.entity_id == match.entity_id),
    )
    assert match.score == reference.score
    assert match.explanation == reference.explanation(un_screener.model)


def test_hostile_names_score_as_the_reference(un_screener: Screener) -> None:
    names = [
        "a " * 199,  # 199 initials
        "x" * 400,  # one 400-letter word (longer than any bound table)
        "Bin Laden Usama Osama Ben Ladin " * 12,
        "J. S. Chol",
        "0123456789 Trading 42",
    ]
    for name in names:
        query = Query.create(name)
        assert [(m.entity_id, m.score) for m in un_screener.screen(query, limit=50)] == (
            _reference_screen(un_screener, query, un_screener.threshold)[:50]
        )


def test_kernel_and_screener_survive_pickling(un_screener: Screener) -> None:
    query = Query.create("Usama bin Laden", schema="Person")
    expected = un_screener.screen(query)
    clone = pickle.loads(pickle.dumps(un_screener))
    assert clone.screen(query) == expected
    kernel = pickle.loads(pickle.dumps(un_screener.kernel))
    packed = pack_query(un_screener.prepare(query)[0], un_screener.index.packed)
    assert kernel.align(packed, 0) == un_screener.kernel.align(packed, 0)


def test_kernel_rejects_bad_arrays_and_rows(un_screener: Screener) -> None:
    index = un_screener.index
    packed = pack_query(un_screener.prepare(Query.create("Usama"))[0], index.packed)
    with pytest.raises(IndexError, match="out of range"):
        un_screener.kernel.align(packed, len(index.name_text))
    with pytest.raises(TypeError, match="ASCII"):
        un_screener.kernel.align((("усама",), ("usama",), ("sm",), (1.0,), "usama", -1), 0)

    class Retyped:
        blob = index.packed.blob.astype(np.float32)
        name_off = index.packed.name_off

    with pytest.raises(TypeError, match="blob"):
        Kernel(Retyped(), un_screener.model.name_weights.tolist())

    class Shifted:
        blob = index.packed.blob
        name_off = index.packed.name_off.copy()
        name_off[1] += 8  # the first record now overruns into the second

    with pytest.raises(ValueError, match="record 1 is malformed|record 0 is malformed"):
        Kernel(Shifted(), un_screener.model.name_weights.tolist())
    with pytest.raises(ValueError, match="12 name weights"):
        Kernel(index.packed, [1.0, 2.0])
    with pytest.raises(AttributeError):
        Retriever(object())


def test_first_and_last_name_reach_the_scorer(un_screener: Screener) -> None:
    """A name given without its middle parts is among the candidates (all-words lookup)."""
    persons = [
        t
        for t in un_screener.index.targets
        if t.schema == "Person" and len(t.caption.replace(",", " ").split()) >= 3
    ]
    found = 0
    for target in persons:
        words = target.caption.replace(",", " ").split()
        query = Query.create(f"{words[0]} {words[-1]}", schema="Person")
        candidates = un_screener.candidates(query)
        found += any(
            un_screener.index.targets[t].entity_id == target.entity_id for t, _s, _r in candidates
        )
    assert len(persons) > 400
    assert found / len(persons) >= 0.99


def test_ties_with_the_last_kept_match_are_kept(un_screener: Screener) -> None:
    # Two listed parties are called just "Abu Ahmad", a third just "Abu Ismail" twice.
    query = Query.create("Abu Ahmad", schema="Person")
    everything = un_screener.screen(query, limit=100)
    assert len(everything) >= 2 and everything[0].score == everything[1].score
    assert un_screener.screen(query, limit=1) == everything[:1]
    assert un_screener.screen(query, limit=1, ties=True) == everything[:2]
    query = Query.create("Abu Ismail", schema="Person")
    everything = un_screener.screen(query, limit=100)
    assert [m.score for m in everything[:3]] == [everything[0].score] + [everything[1].score] * 2
    assert un_screener.screen(query, limit=1, ties=True) == everything[:1]
    assert un_screener.screen(query, limit=2, ties=True) == everything[:3]


def _copy(packed: object, **changes: object) -> object:
    """A stand-in for packed arrays, with some replaced (writable copies of the rest)."""
    fields = {name: getattr(packed, name) for name in packed.__slots__}  # type: ignore[attr-defined]
    fields = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in fields.items()}
    return type("Packed", (), {**fields, **changes})()


def test_malformed_index_files_raise_never_crash(un_screener: Screener) -> None:
    """The arrays come from a cache file: whatever is in it, an error, not a crash."""
    names = un_screener.index.packed
    weights = un_screener.model.name_weights.tolist()
    beyond = names.name_off.copy()
    beyond[1] = 1 << 40  # a record said to end far past the blob
    with pytest.raises(ValueError, match="malformed"):
        Kernel(_copy(names, name_off=beyond), weights)
    kernel = Kernel.__new__(Kernel)
    with pytest.raises(ValueError):
        kernel.__init__(_copy(names, name_off=beyond), weights)  # type: ignore[misc]
    with pytest.raises(RuntimeError, match="already"):
        kernel.__init__(names, weights)  # type: ignore[misc]

    retrieval = un_screener.index.retriever.__reduce__()[1][0]
    for name in ("col_ptr", "year_off", "word_off", "word_row_off"):
        offsets = getattr(retrieval, name).copy()
        offsets[1], offsets[2] = offsets[2], offsets[1] - 1  # decreasing
        with pytest.raises(ValueError, match="offsets"):
            Retriever(_copy(retrieval, **{name: offsets}))
    with pytest.raises(ValueError, match="not positive"):
        Retriever(_copy(retrieval, col_vals=np.zeros_like(retrieval.col_vals)))
    with pytest.raises(ValueError, match="group"):
        Retriever(_copy(retrieval, name_group=np.full_like(retrieval.name_group, 100)))


def test_kernel_arguments_are_checked(un_screener: Screener) -> None:
    retriever, kernel = un_screener.index.retriever, un_screener.kernel
    retriever.rank([" abu "], 15, 1 << 60, 1 << 60, -1, {})  # limits are clamped
    with pytest.raises(TypeError, match="found"):
        retriever.rank([" abu "], 15, 20, 3, -1, {"1": (0.5, [])})
    with pytest.raises(TypeError, match="float"):
        kernel.align((("abu",), ("abu",), ("ab",), (1,), "abu", -1), 0)
    with pytest.raises(TypeError, match="ints"):
        kernel.best(
            [pack_query(un_screener.prepare(Query.create("Abu"))[0], un_screener.index.packed)],
            [[1.5]],
            0.0,
        )
    # Checked once, the arrays cannot be changed under the kernel afterwards.
    with pytest.raises(ValueError, match="read-only"):
        un_screener.index.packed.blob[:4] = 0
