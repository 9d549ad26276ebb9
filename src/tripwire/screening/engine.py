"""The Screener: serving list versions -> candidate index -> scorer -> ranked, explained matches.

The index is compiled from the store's serving versions and cached as a file
beside the store, keyed by those versions and by the code that builds it; a
new list version (or a change of the normalisation code) builds a new one.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import math
import os
import pickle
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from tripwire.screening.identifiers import guess_kind, normalize_identifier
from tripwire.screening.index import CandidateIndex
from tripwire.screening.kernel import Kernel, comparison, pack_query
from tripwire.screening.model import ScoringModel
from tripwire.screening.names import Prepared, prepare_query
from tripwire.screening.query import Query
from tripwire.screening.scorer import Scored, complete, max_other_logit, score_pair
from tripwire.screening.targets import Target, targets_from_entities
from tripwire.store import Store, VersionRow

log = logging.getLogger(__name__)

#: How many candidates the precise scorer looks at per query.
CANDIDATES = 20
_CODE_FILES = (
    "normalize.py",
    "names.py",
    "index.py",
    "targets.py",
    "identifiers.py",
    "kernel.py",
    "data/honorifics.txt",
    "data/legal_forms.txt",
)


@dataclass(frozen=True, slots=True)
class Match:
    entity_id: str
    source: str
    source_ref: str
    schema: str
    caption: str
    score: float
    query_name: str
    list_name: str
    explanation: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "source": self.source,
            "source_ref": self.source_ref,
            "schema": self.schema,
            "caption": self.caption,
            "score": round(self.score, 4),
            "query_name": self.query_name,
            "list_name": self.list_name,
            "explanation": self.explanation,
        }


def candidates_for(index: CandidateIndex, query: Query) -> list[tuple[int, float, list[int]]]:
    """The parties the scorer will look at for ``query`` (screening and training alike)."""
    return index.candidates(
        query.tokens,
        query.schema,
        query.identifiers,
        limit=CANDIDATES,
        birth_year=query.birth_year,
    )


def index_key(versions: list[VersionRow]) -> str:
    """Names the index built from these versions with this code."""
    digest = hashlib.sha256()
    for version in sorted(versions, key=lambda v: v.source):
        digest.update(f"{version.source}:{version.id}:{version.sha256}\n".encode())
    package = resources.files("tripwire.screening")
    for name in _CODE_FILES:
        digest.update(package.joinpath(name).read_bytes())
    for dependency in ("rigour", "followthemoney", "rapidfuzz", "scipy", "numpy"):
        digest.update(f"{dependency}={metadata.version(dependency)}".encode())
    return digest.hexdigest()[:24]


def load_targets(store: Store, versions: list[VersionRow]) -> list[Target]:
    entities = []
    for version in versions:
        for entity in store.version_entities(version.id, listed_only=True):
            entities.append((version.source, entity.caption, entity.data))
    return targets_from_entities(entities)


class Screener:
    """Screens queries against an index with the scoring model."""

    def __init__(self, index: CandidateIndex, model: ScoringModel | None = None) -> None:
        self.index = index
        self.model = model or ScoringModel.load()
        self.load_seconds = 0.0
        self._kernel: Kernel | None = None

    def __getstate__(self) -> dict[str, Any]:
        # The compiled kernel holds pointers into the index's arrays: rebuilt on demand.
        return {"index": self.index, "model": self.model, "load_seconds": self.load_seconds}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["index"], state["model"])  # type: ignore[misc]
        self.load_seconds = state["load_seconds"]

    @property
    def kernel(self) -> Kernel:
        """The compiled name comparison over this index's list names."""
        if self._kernel is None:
            self._kernel = Kernel(self.index.packed, self.model.name_weights.tolist())
        return self._kernel

    @property
    def threshold(self) -> float:
        return self.model.threshold

    @classmethod
    def from_targets(cls, targets: list[Target], model: ScoringModel | None = None) -> Screener:
        return cls(CandidateIndex.build(targets), model)

    @classmethod
    def from_store(
        cls, store: Store, cache_dir: Path | None = None, model: ScoringModel | None = None
    ) -> Screener:
        """The screener over the serving versions, from the cached index when it is current."""
        started = time.perf_counter()
        versions = store.current_versions()
        key = index_key(versions)
        path = cache_dir / f"index-{key}.pickle" if cache_dir else None
        index: CandidateIndex | None = None
        # Loading makes millions of objects and no garbage: the cyclic collector would
        # walk them again and again for nothing.
        collecting = gc.isenabled()
        gc.disable()
        try:
            if path is not None and path.exists():
                try:
                    with path.open("rb") as handle:
                        index = pickle.load(handle)
                except Exception as exc:  # a damaged or foreign cache is rebuilt, not fatal
                    log.warning("screening index %s unreadable (%s); rebuilding", path, exc)
                    index = None
            if index is None:
                index = CandidateIndex.build(load_targets(store, versions), key=key)
                if path is not None:
                    _write_atomic(path, index)
        finally:
            if collecting:
                gc.enable()
        screener = cls(index, model)
        # The index is millions of long-lived objects: out of the cyclic collector's
        # reach, they cost nothing at each collection (a quarter of screening time
        # otherwise) and forked batch workers share their pages.
        gc.freeze()
        screener.load_seconds = time.perf_counter() - started
        return screener

    def subset(self, entity_ids: Iterable[str]) -> Screener:
        """A screener over only these parties, scoring exactly as this one does.

        Reverse screening after a list update runs the register against the new and
        changed parties alone; the whole lists' token rarity keeps the scores equal.
        """
        wanted = set(entity_ids)
        targets = [t for t in self.index.targets if t.entity_id in wanted]
        index = CandidateIndex.build(
            targets, key=f"{self.index.key}-subset", rarity=self.index.rarity
        )
        return Screener(index, self.model)

    def candidates(self, query: Query) -> list[tuple[int, float, list[int]]]:
        """The candidate step on its own: (target index, retrieval score, name rows)."""
        return candidates_for(self.index, query)

    def prepare(self, query: Query) -> list[Prepared]:
        """The query's names prepared once for all the comparisons of one screening."""
        return [prepare_query(tokens, self.index.rarity) for tokens in query.tokens]

    def score_target(
        self,
        query: Query,
        t_index: int,
        rows: list[int] | None = None,
        prepared: list[Prepared] | None = None,
    ) -> Scored:
        """Score one target, on the given name rows (default: all its names)."""
        index = self.index
        names = [
            (index.name_text[row], index.name_prepared[row], index.name_kind[row])
            for row in (index.names_of(t_index) if rows is None else rows)
        ]
        return score_pair(self.model, index.rarity, query, index.targets[t_index], names, prepared)

    def compare(self, left: Query, right: Query) -> Scored:
        """Score two records with the screening scorer (``right`` stands in for a list entry).

        Token rarity comes from the loaded lists, exactly as in screening.
        """
        target = _as_target(right)
        names = [(n, t, "name") for n, t in zip(right.names, right.tokens, strict=True)]
        return score_pair(self.model, self.index.rarity, left, target, names)

    def screen_many(
        self,
        queries: Sequence[Query],
        *,
        limit: int | None = 5,
        threshold: float | None = None,
        ties: bool = False,
    ) -> list[list[Match]]:
        """Matches of each query, in order (the batch path: same scores as ``screen``)."""
        return [self.screen(q, limit=limit, threshold=threshold, ties=ties) for q in queries]

    def screen(
        self,
        query: Query,
        *,
        limit: int | None = 5,
        threshold: float | None = None,
        ties: bool = False,
    ) -> list[Match]:
        """Ranked matches of ``query`` scoring at least ``threshold`` (default: the model's).

        ``limit`` None keeps them all. With ``ties``, parties scoring exactly as the last
        one kept are kept too: among equal scores the order (by entity id) says nothing,
        and a cut there would hide one namesake's alert behind another's (five parties
        share "Haji Aminullah").

        The compiled kernel finds each candidate's best name pair and its name
        features; pairs that cannot reach the threshold whatever the birth date,
        country and identifiers say stop there. The reported matches are explained
        with the kernel's alignment (the reference comparison's, as tests hold).
        """
        cutoff = self.model.threshold if threshold is None else threshold
        found = self.candidates(query)
        if not found:
            return []
        index, model = self.index, self.model
        prepared = self.prepare(query)
        packed = [pack_query(p, index.packed) for p in prepared]
        best = self.kernel.best(
            packed, [rows for _t, _r, rows in found], self._min_logit(query, cutoff)
        )
        kept: list[tuple[float, str, int, int, int, list[float], dict[str, str]]] = []
        for position, name_logit, qi, ni, vector in best:
            t_index, _retrieval, rows = found[position]
            target = index.targets[t_index]
            full, compared = complete(query, target, vector)
            score = model.probability_from(name_logit, full[len(vector) :])
            if score >= cutoff:
                kept.append((score, target.entity_id, t_index, qi, rows[ni], full, compared))
        kept.sort(key=lambda k: (-k[0], k[1]))
        cut = len(kept) if limit is None else min(limit, len(kept))
        while ties and 0 < cut < len(kept) and kept[cut][0] == kept[cut - 1][0]:
            cut += 1
        matches = []
        for score, _entity_id, t_index, qi, row, full, compared in kept[:cut]:
            target = index.targets[t_index]
            result = Scored(
                score=score,
                query_name=query.names[qi],
                list_name=index.name_text[row],
                name_kind=index.name_kind[row],
                vector=full,
                comparison=comparison(
                    self.kernel, packed[qi], prepared[qi], index.name_prepared[row], row
                ),
                compared=compared,
            )
            matches.append(self.match(result, t_index))
        return matches

    def _min_logit(self, query: Query, cutoff: float) -> float:
        """The name log-odds below which a pair cannot reach ``cutoff``."""
        if cutoff <= 1e-9:
            return -math.inf
        if cutoff >= 1.0:
            return math.inf
        needed = math.log(cutoff / (1.0 - cutoff))
        # A hair of slack for rounding: the exact test on the whole score comes after.
        return needed - self.model.bias - max_other_logit(self.model, query) - 1e-9

    def match(self, result: Scored, t_index: int) -> Match:
        """The reported match of a scored target, with its explanation."""
        target = self.index.targets[t_index]
        return Match(
            entity_id=target.entity_id,
            source=target.source,
            source_ref=target.source_ref,
            schema=target.schema,
            caption=target.caption,
            score=result.score,
            query_name=result.query_name,
            list_name=result.list_name,
            explanation=result.explanation(self.model),
        )


def _as_target(query: Query) -> Target:
    return Target(
        entity_id="right",
        source="compare",
        source_ref="right",
        schema=query.schema or "LegalEntity",
        caption=query.names[0],
        names=tuple((name, "name") for name in query.names),
        birth_dates=(query.birth_date,) if query.birth_date else (),
        countries=frozenset(query.countries),
        identifiers=tuple(
            (guess_kind(i) or "id", normalize_identifier(i), i) for i in query.identifiers
        ),
    )


def _write_atomic(path: Path, index: CandidateIndex) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".index-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for old in path.parent.glob("index-*.pickle"):
        if old != path:
            old.unlink(missing_ok=True)
