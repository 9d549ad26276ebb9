"""The ownership graph as arrays, and the fixed points that run on it.

Edges are parallel numpy arrays (``src``, ``dst``, ``share``, ``kind``) with
CSR indexes both ways, so a round of the fixed point is one sparse
matrix-vector product per share kind, and the downstream part of a change is a
breadth-first walk over the forward index. Two propagations exist:

* aggregated (US, EU): one set of hit entities; an entity is hit when the
  shares of all hit owners together meet the threshold;
* per listed person (UK, Art. 5h): each seed carries its own label; an entity
  is hit for seed ``d`` when ``d`` and the entities ``d`` already holds
  together meet the threshold. Labels never add up, which is OFSI's rule.

Both record for every hit entity the round it was hit in (``rank``): a proof
only ever cites owners of a lower rank, so proofs never go round a cycle.

On one date a holding is one edge: re-filings of the same stake (same owner,
owned entity and kind) and the same statement brought by several sources are
collapsed to the latest one by ``from_edges`` and kept in ``duplicates`` so that
the data-quality findings report them (``duplicate_holding``).

Joint arrangements (UK Sch. 1 para. 3) are pools: each member's holding counts
as the arrangement's combined holding, and a pool counts once per person
however many of its members that person holds (``pooling``).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from tripwire.ownership.model import KIND_CODES, Edge, EdgeKind
from tripwire.ownership.regimes import Regime, Threshold

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Several edges stating one holding on the date: the one kept and the ones dropped."""

    kept: Edge
    dropped: tuple[Edge, ...]


def _latest(indexed: tuple[int, Edge]) -> tuple[dt.date, dt.date, int]:
    position, edge = indexed
    return (edge.valid_from or dt.date.min, edge.observed or dt.date.min, position)


def deduplicate(edges: Sequence[Edge]) -> tuple[list[Edge], list[Duplicate]]:
    """One edge per holding (owner, owned, kind, arrangement): the latest filing.

    Latest means the latest ``valid_from``, then the latest ``observed``, then
    the one stated last. The same statement (same ``ref``) from several sources
    collapses the same way. The input order of the kept edges is preserved.
    """
    groups: dict[tuple[str, str, EdgeKind, str], list[tuple[int, Edge]]] = {}
    for position, edge in enumerate(edges):
        groups.setdefault(edge.key, []).append((position, edge))
    keep: list[int] = []
    duplicates: list[Duplicate] = []
    for group in groups.values():
        best = max(group, key=_latest)
        keep.append(best[0])
        if len(group) > 1:
            duplicates.append(Duplicate(best[1], tuple(e for p, e in group if p != best[0])))
    keep.sort()
    return [edges[p] for p in keep], duplicates


class OwnershipGraph:
    """Nodes (entity ids) and edges in force on one date, as arrays."""

    def __init__(
        self,
        ids: Sequence[str],
        src: npt.ArrayLike,
        dst: npt.ArrayLike,
        share: npt.ArrayLike,
        kind: npt.ArrayLike,
        edges: Sequence[Edge] | None = None,
        arrangement: npt.ArrayLike | None = None,
        arrangement_ids: dict[str, int] | None = None,
        duplicates: Sequence[Duplicate] = (),
    ) -> None:
        self.ids = list(ids)
        self.index = {entity_id: i for i, entity_id in enumerate(self.ids)}
        self.src = np.asarray(src, dtype=np.int64)
        self.dst = np.asarray(dst, dtype=np.int64)
        self.share = np.asarray(share, dtype=np.float64)  # NaN: share not stated
        self.kind = np.asarray(kind, dtype=np.int8)
        # JOINT rows: the named arrangement (-1: the unnamed one of the owned entity)
        self.arrangement = (
            np.full(len(self.src), -1, dtype=np.int64)
            if arrangement is None
            else np.asarray(arrangement, dtype=np.int64)
        )
        self.arrangement_ids = dict(arrangement_ids or {})
        self.edges = edges  # the Edge behind each array row, when built from Edge objects
        self.duplicates: dict[int, list[Duplicate]] = {}  # owned node -> collapsed holdings
        for duplicate in duplicates:
            owned = self.index[duplicate.kept.owned]
            self.duplicates.setdefault(owned, []).append(duplicate)
        n = len(self.ids)
        self.alive = np.ones(len(self.src), dtype=np.bool_)
        order = np.argsort(self.src, kind="stable")
        self.out_ptr = np.concatenate(([0], np.cumsum(np.bincount(self.src, minlength=n))))
        self.out_edges = order
        order = np.argsort(self.dst, kind="stable")
        self.in_ptr = np.concatenate(([0], np.cumsum(np.bincount(self.dst, minlength=n))))
        self.in_edges = order
        self._indexed = len(self.src)  # rows beyond this are in the overlay below
        self._out_extra: dict[int, list[int]] = {}
        self._in_extra: dict[int, list[int]] = {}

    @classmethod
    def from_edges(
        cls, edges: Iterable[Edge], as_of: dt.date | None = None, nodes: Iterable[str] = ()
    ) -> OwnershipGraph:
        """The graph of the edges in force on ``as_of`` (all edges when None), one per holding."""
        kept, duplicates = deduplicate([e for e in edges if as_of is None or e.active(as_of)])
        ids: dict[str, int] = {}
        for node in nodes:
            ids.setdefault(node, len(ids))
        for e in kept:
            ids.setdefault(e.owner, len(ids))
            ids.setdefault(e.owned, len(ids))
        arrangements: dict[str, int] = {}
        return cls(
            list(ids),
            [ids[e.owner] for e in kept],
            [ids[e.owned] for e in kept],
            [np.nan if e.share is None else e.share for e in kept],
            [KIND_CODES[e.kind] for e in kept],
            edges=kept,
            arrangement=[
                arrangements.setdefault(e.arrangement, len(arrangements)) if e.arrangement else -1
                for e in kept
            ],
            arrangement_ids=arrangements,
            duplicates=duplicates,
        )

    @property
    def size(self) -> int:
        return len(self.ids)

    def out_of(self, node: int) -> IntArray:
        """Live edge rows leaving ``node``."""
        rows = (
            self.out_edges[self.out_ptr[node] : self.out_ptr[node + 1]]
            if node < len(self.out_ptr) - 1
            else np.zeros(0, dtype=np.int64)
        )
        extra = self._out_extra.get(node)
        if extra:
            rows = np.concatenate((rows, np.asarray(extra, dtype=np.int64)))
        return rows[self.alive[rows]]

    def into(self, node: int) -> IntArray:
        """Live edge rows entering ``node``."""
        rows = (
            self.in_edges[self.in_ptr[node] : self.in_ptr[node + 1]]
            if node < len(self.in_ptr) - 1
            else np.zeros(0, dtype=np.int64)
        )
        extra = self._in_extra.get(node)
        if extra:
            rows = np.concatenate((rows, np.asarray(extra, dtype=np.int64)))
        return rows[self.alive[rows]]

    def node(self, entity_id: str) -> int:
        """The node of ``entity_id``, added when new."""
        found = self.index.get(entity_id)
        if found is None:
            found = self.index[entity_id] = len(self.ids)
            self.ids.append(entity_id)
        return found

    def add_edge(self, edge: Edge) -> int:
        """Append one edge without re-indexing (an overlay next to the CSR); its row."""
        owner, owned = self.node(edge.owner), self.node(edge.owned)
        row = len(self.src)
        self.src = np.append(self.src, owner)
        self.dst = np.append(self.dst, owned)
        self.share = np.append(self.share, np.nan if edge.share is None else edge.share)
        self.kind = np.append(self.kind, np.int8(KIND_CODES[edge.kind]))
        arrangement = (
            self.arrangement_ids.setdefault(edge.arrangement, len(self.arrangement_ids))
            if edge.arrangement
            else -1
        )
        self.arrangement = np.append(self.arrangement, np.int64(arrangement))
        self.alive = np.append(self.alive, True)
        if self.edges is not None:
            self.edges = [*self.edges, edge]
        self._out_extra.setdefault(owner, []).append(row)
        self._in_extra.setdefault(owned, []).append(row)
        return row

    def remove_edge(self, row: int) -> None:
        self.alive[row] = False

    def mask(self, kinds: Iterable[EdgeKind]) -> BoolArray:
        codes = [KIND_CODES[k] for k in kinds]
        return np.isin(self.kind, codes) & self.alive

    def matrix(self, rows: BoolArray, values: FloatArray | None = None) -> sp.csr_matrix:
        """n x n matrix, owned by owner, of the selected edges (shares, or 1 per edge)."""
        data = np.ones(int(rows.sum())) if values is None else np.nan_to_num(values[rows])
        n = self.size
        return sp.csr_matrix((data, (self.dst[rows], self.src[rows])), shape=(n, n))

    def downstream(self, starts: Iterable[int]) -> BoolArray:
        """Every node reachable from ``starts`` along live edges (including them).

        Breadth first, one whole frontier per step: the CSR ranges of the
        frontier are gathered with one ``np.repeat``.
        """
        seen = np.zeros(self.size, dtype=np.bool_)
        frontier = np.unique(np.asarray(list(starts), dtype=np.int64))
        seen[frontier] = True
        indexed_nodes = len(self.out_ptr) - 1
        while frontier.size:
            inside = frontier[frontier < indexed_nodes]
            begin = self.out_ptr[inside]
            counts = self.out_ptr[inside + 1] - begin
            total = int(counts.sum())
            offsets = np.repeat(begin - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
            rows = self.out_edges[offsets + np.arange(total)]
            extra = [r for node in frontier.tolist() for r in self._out_extra.get(node, ())]
            if extra:
                rows = np.concatenate((rows, np.asarray(extra, dtype=np.int64)))
            rows = rows[self.alive[rows]]
            nxt = np.unique(self.dst[rows])
            nxt = nxt[~seen[nxt]]
            seen[nxt] = True
            frontier = nxt
        return seen

    def find(self, edge: Edge) -> int | None:
        """The live row stating the same holding as ``edge`` (owner, owned, kind, arrangement)."""
        owner, owned = self.index.get(edge.owner), self.index.get(edge.owned)
        if owner is None or owned is None:
            return None
        code = KIND_CODES[edge.kind]
        arrangement = self.arrangement_ids.get(edge.arrangement, -2) if edge.arrangement else -1
        for row in self.out_of(owner).tolist():
            if (
                self.dst[row] == owned
                and self.kind[row] == code
                and (code != KIND_CODES[EdgeKind.JOINT] or self.arrangement[row] == arrangement)
            ):
                return int(row)
        return None

    def pooling(self) -> tuple[FloatArray, IntArray]:
        """Shares with joint arrangements applied (UK Sch. 1 para. 3), and each row's pool.

        An arrangement is the set of ``joint`` edges into one entity with the
        same arrangement id (without one: all unnamed ``joint`` edges into that
        entity). A member's stated equity or voting holding in that entity counts
        as the combined stated holdings of all members, kind by kind; such rows
        get the arrangement's pool number (-1 elsewhere) so that a pool is
        counted once per person. A member in several arrangements of one entity
        pools its holding in the lowest-numbered one.
        """
        share = self.share.copy()
        pool = np.full(len(self.src), -1, dtype=np.int64)
        joint = np.flatnonzero(self.mask([EdgeKind.JOINT]))
        if not joint.size:
            return share, pool
        n = self.size
        keys = np.stack((self.dst[joint], self.arrangement[joint]), axis=1)
        _pools, pool_of_joint = np.unique(keys, axis=0, return_inverse=True)
        pool_of_joint = np.asarray(pool_of_joint, dtype=np.int64).reshape(-1)
        member_keys = self.dst[joint] * n + self.src[joint]
        # per member (owned, owner): the lowest pool
        order = np.lexsort((pool_of_joint, member_keys))
        member_keys, member_pools = member_keys[order], pool_of_joint[order]
        first = np.concatenate(([True], member_keys[1:] != member_keys[:-1]))
        member_keys, member_pools = member_keys[first], member_pools[first]
        pool_count = int(pool_of_joint.max()) + 1
        for code in (KIND_CODES[EdgeKind.EQUITY], KIND_CODES[EdgeKind.VOTING]):
            rows = np.flatnonzero((self.kind == code) & self.alive & ~np.isnan(self.share))
            keys_of_rows = self.dst[rows] * n + self.src[rows]
            at = np.searchsorted(member_keys, keys_of_rows)
            at = np.minimum(at, len(member_keys) - 1)
            inside = member_keys[at] == keys_of_rows
            rows, at = rows[inside], at[inside]
            if not rows.size:
                continue
            pools = member_pools[at]
            totals = np.bincount(pools, weights=share[rows], minlength=pool_count)
            share[rows] = totals[pools]
            pool[rows] = pools
        return share, pool


@dataclass
class Propagation:
    """Which entities a regime hits, and in which round (0 for the seeds)."""

    rank: IntArray  # -1 where not hit
    labels: sp.csr_matrix | None = None  # n x seeds, per-person regimes only
    label_ids: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def hit(self) -> BoolArray:
        return self.rank >= 0


class KindSum:
    """Per owned entity, the shares of one kind its hit owners hold: ``KindSum @ held``.

    ``held`` is a hit vector (aggregated regimes) or a node x person matrix.
    Pooled rows (joint arrangements) count once per pool: the pool's combined
    share when any of its members is held.
    """

    def __init__(self, graph: OwnershipGraph, code: int, shares: FloatArray, pools: IntArray):
        rows = (graph.kind == code) & graph.alive & ~np.isnan(shares)
        pooled = rows & (pools >= 0)
        self.direct = graph.matrix(rows & ~pooled, shares)
        self.members: sp.csr_matrix | None = None
        self.combined: sp.csr_matrix | None = None
        if pooled.any():
            count = int(pools.max()) + 1
            n = graph.size
            self.members = sp.csr_matrix(
                (np.ones(int(pooled.sum())), (pools[pooled], graph.src[pooled])),
                shape=(count, n),
            )
            self.members.data[:] = 1.0  # a member with two rows in one pool is one member
            ids, first = np.unique(pools[pooled], return_index=True)
            self.combined = sp.csr_matrix(
                (shares[pooled][first], (graph.dst[pooled][first], ids)), shape=(n, count)
            )

    def __matmul__(self, held: Any) -> Any:
        total = self.direct @ held
        if self.members is None or self.combined is None:
            return total
        reach = self.members @ held
        if sp.issparse(reach):
            reach = sp.csr_matrix(reach)
            reach.data = (reach.data > 0).astype(np.float64)
            reach.eliminate_zeros()
        else:
            reach = (np.asarray(reach) > 0).astype(np.float64)
        return total + self.combined @ reach


def _share_sums(
    graph: OwnershipGraph, regime: Regime, shares: FloatArray, pools: IntArray
) -> list[KindSum]:
    return [KindSum(graph, KIND_CODES[k], shares, pools) for k in sorted(regime.share_kinds)]


def regime_pooling(graph: OwnershipGraph, regime: Regime) -> tuple[FloatArray, IntArray]:
    """The shares the regime reads (pooled for joint arrangements) and each row's pool."""
    if regime.joint_pooling:
        return graph.pooling()
    return graph.share, np.full(len(graph.src), -1, dtype=np.int64)


def regime_shares(graph: OwnershipGraph, regime: Regime) -> FloatArray:
    return regime_pooling(graph, regime)[0]


def propagate(
    graph: OwnershipGraph, regime: Regime, threshold: Threshold, seeds: BoolArray
) -> Propagation:
    """The regime's fixed point from ``seeds`` (a boolean mask over nodes)."""
    if regime.aggregate:
        return propagate_aggregate(graph, regime, threshold, seeds)
    return propagate_labels(graph, regime, threshold, seeds)


def propagate_aggregate(
    graph: OwnershipGraph, regime: Regime, threshold: Threshold, seeds: BoolArray
) -> Propagation:
    """Aggregated fixed point: one sparse product per share kind per round."""
    matrices = _share_sums(graph, regime, *regime_pooling(graph, regime))
    control = graph.matrix(graph.mask(regime.control_kinds)) if regime.control_kinds else None
    rank = np.where(seeds, 0, -1).astype(np.int64)
    hit = seeds.copy()
    round_no = 0
    while True:
        round_no += 1
        vector = hit.astype(np.float64)
        meets = np.zeros(graph.size, dtype=np.bool_)
        for matrix in matrices:
            meets |= _met(threshold, matrix @ vector)
        if control is not None:
            meets |= (control @ vector) > 0
        new = meets & ~hit
        if not new.any():
            return Propagation(rank)
        rank[new] = round_no
        hit |= new


def _met(threshold: Threshold, totals: FloatArray) -> BoolArray:
    eps = 1e-9
    if threshold.inclusive:
        return np.asarray(totals >= threshold.percent - eps)
    return np.asarray(totals > threshold.percent + eps)


def propagate_labels(
    graph: OwnershipGraph, regime: Regime, threshold: Threshold, seeds: BoolArray
) -> Propagation:
    """Per-person fixed point: a sparse node x seed matrix, one product per kind per round."""
    matrices = _share_sums(graph, regime, *regime_pooling(graph, regime))
    control = graph.matrix(graph.mask(regime.control_kinds)) if regime.control_kinds else None
    seed_ids = np.flatnonzero(seeds)
    k = len(seed_ids)
    n = graph.size
    labels = sp.csr_matrix(
        (np.ones(k, dtype=np.bool_), (seed_ids, np.arange(k))), shape=(n, k), dtype=np.bool_
    )
    rank = np.where(seeds, 0, -1).astype(np.int64)
    round_no = 0
    while True:
        round_no += 1
        as_float = labels.astype(np.float64)
        new = sp.csr_matrix((n, k), dtype=np.bool_)
        for matrix in matrices:
            totals = sp.csr_matrix(matrix @ as_float)
            totals.data = _met(threshold, totals.data).astype(np.float64)
            totals.eliminate_zeros()
            new = new + totals.astype(np.bool_)
        if control is not None:
            reached = (control @ as_float).tocsr()
            reached.eliminate_zeros()
            new = new + reached.astype(np.bool_)
        grown = (labels + new).astype(np.bool_).tocsr()
        if grown.nnz == labels.nnz:
            return Propagation(rank, labels=labels, label_ids=seed_ids)
        labels = grown
        newly = (np.diff(labels.indptr) > 0) & (rank < 0)
        rank[newly] = round_no


def single_label(
    graph: OwnershipGraph,
    regime: Regime,
    threshold: Threshold,
    seed: int,
    shares: FloatArray | None = None,
    pools: IntArray | None = None,
) -> dict[int, int]:
    """Node -> round for what one listed person holds (UK, Art. 5h); local to its reach.

    First in, first out: when a node crosses the threshold every holder that
    put it there was taken earlier, so its round is above theirs. A joint
    arrangement's pooled holding counts once for the person.
    """
    if shares is None or pools is None:
        shares, pools = regime_pooling(graph, regime)
    counted: set[tuple[int, int]] = set()
    share_codes = {KIND_CODES[k] for k in regime.share_kinds}
    control_codes = {KIND_CODES[k] for k in regime.control_kinds}
    member = {seed: 0}
    totals: dict[tuple[int, int], float] = {}
    queue = deque([seed])
    while queue:
        node = queue.popleft()
        for row in graph.out_of(node):
            target = int(graph.dst[row])
            if target in member:
                continue
            code = int(graph.kind[row])
            if code in control_codes:
                hit = True
            elif code in share_codes and not np.isnan(shares[row]):
                pool = int(pools[row])
                if pool >= 0:
                    if (pool, code) in counted:
                        continue
                    counted.add((pool, code))
                key = (target, code)
                totals[key] = totals.get(key, 0.0) + float(shares[row])
                hit = threshold.met(totals[key])
            else:
                continue
            if hit:
                member[target] = member[node] + 1
                queue.append(target)
    return member
