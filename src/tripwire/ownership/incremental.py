"""Keeping a regime's answer current when a designation or an edge changes.

Only the downstream part of the graph is touched:

* aggregated regimes (US, EU) keep, per node, the shares its hit owners hold
  (``acc``) and the count of control edges from hit owners. A new seed or
  edge adds to these along a first-in-first-out worklist; a removal resets the
  nodes downstream of it, recomputes their sums from the owners still hit
  and runs the same worklist from there.
* per-person regimes (UK, Art. 5h) keep each node's set of controlling
  persons; persons never add up, so a change re-runs only the labels of the
  persons that reach it (``graph.single_label``).

``full()`` gives the same statuses from scratch; the tests compare the two after
random sequences of changes.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from tripwire.ownership.graph import (
    BoolArray,
    FloatArray,
    IntArray,
    OwnershipGraph,
    propagate,
    regime_pooling,
    single_label,
)
from tripwire.ownership.model import KIND_CODES, Edge
from tripwire.ownership.regimes import Regime, Threshold


class Incremental:
    """A regime's fixed point over a graph that changes one fact at a time."""

    def __init__(
        self, graph: OwnershipGraph, regime: Regime, threshold: Threshold, seeds: BoolArray
    ) -> None:
        self.graph = graph
        self.regime = regime
        self.threshold = threshold
        self.seeds: set[int] = {int(i) for i in np.flatnonzero(seeds)}
        self.share_codes = sorted(KIND_CODES[k] for k in regime.share_kinds)
        self.control_codes = {KIND_CODES[k] for k in regime.control_kinds}
        prop = propagate(graph, regime, threshold, seeds)
        self.rank: IntArray = prop.rank.copy()
        self.shares, self.pools = regime_pooling(graph, regime)  # refreshed on edge changes
        if regime.aggregate:
            self.acc: dict[int, FloatArray] = {}
            self.ctrl = np.zeros(graph.size, dtype=np.int64)
            self._sums(np.ones(graph.size, dtype=np.bool_))
        else:
            # each person's holdings (a column of the label matrix) and, per node, how
            # many persons hold it: a node is hit while that count is above zero
            assert prop.labels is not None
            columns = prop.labels.tocsc()
            self.members: dict[int, set[int]] = {
                int(seed): set(columns.indices[columns.indptr[j] : columns.indptr[j + 1]].tolist())
                for j, seed in enumerate(prop.label_ids)
            }
            self.holders = np.asarray(np.diff(prop.labels.tocsr().indptr), dtype=np.int64)

    # -- results -----------------------------------------------------------------------

    @property
    def hit(self) -> BoolArray:
        return np.asarray(self.rank >= 0)

    def hit_ids(self) -> set[str]:
        return {self.graph.ids[i] for i in np.flatnonzero(self.hit)}

    def full(self) -> set[str]:
        """The same answer from scratch (what the incremental one must equal)."""
        mask = np.zeros(self.graph.size, dtype=np.bool_)
        mask[list(self.seeds)] = True
        prop = propagate(self.graph, self.regime, self.threshold, mask)
        return {self.graph.ids[i] for i in np.flatnonzero(prop.hit)}

    # -- changes -----------------------------------------------------------------------

    def add_seed(self, entity_id: str) -> int:
        """A new designation; returns how many entities became hit."""
        node = self._grow(self.graph.node(entity_id))
        if node in self.seeds:
            return 0
        before = int(self.hit.sum())
        self.seeds.add(node)
        if self.regime.aggregate:
            was_hit = self.rank[node] >= 0
            self.rank[node] = 0
            if not was_hit:
                self._propagate(deque([node]))
        else:
            self._add_label(node)
        return int(self.hit.sum()) - before

    def remove_seed(self, entity_id: str) -> None:
        """A delisting: only what lies downstream of it is recomputed."""
        node = self.graph.index[entity_id]
        self.seeds.discard(node)
        if self.regime.aggregate:
            self._recompute(self.graph.downstream([node]))
        else:
            self._drop_label(node)

    def add_edge(self, edge: Edge) -> int:
        """A new edge (replacing the row of the same holding, if any); returns its row."""
        old = self.graph.find(edge)
        if old is not None:
            self.remove_edge(old)
        row = self.graph.add_edge(edge)
        self.shares, self.pools = regime_pooling(self.graph, self.regime)
        self._grow(self.graph.size - 1)
        owner, owned = int(self.graph.src[row]), int(self.graph.dst[row])
        if self.regime.aggregate:
            if self.rank[owner] >= 0 and self._contribute(row, owned):
                self._propagate(deque([owned]))
        else:
            self._relabel(owner, owned)
        return row

    def remove_edge(self, row: int) -> None:
        owner, owned = int(self.graph.src[row]), int(self.graph.dst[row])
        self.graph.remove_edge(row)
        self.shares, self.pools = regime_pooling(self.graph, self.regime)
        if self.regime.aggregate:
            if self.rank[owner] >= 0:
                self._recompute(self.graph.downstream([owned]))
        else:
            self._relabel(owner, owned)

    # -- aggregated ----------------------------------------------------------------------

    def _grow(self, node: int) -> int:
        """Make room for nodes added to the graph since the last change."""
        missing = self.graph.size - len(self.rank)
        if missing > 0:
            self.rank = np.concatenate((self.rank, np.full(missing, -1, dtype=np.int64)))
            if self.regime.aggregate:
                self.ctrl = np.concatenate((self.ctrl, np.zeros(missing, dtype=np.int64)))
                for code in self.acc:
                    self.acc[code] = np.concatenate((self.acc[code], np.zeros(missing)))
            else:
                self.holders = np.concatenate((self.holders, np.zeros(missing, dtype=np.int64)))
        return node

    def _sums(self, nodes: BoolArray) -> None:
        """Recompute ``acc`` and ``ctrl`` of ``nodes`` from the owners hit now."""
        graph = self.graph
        shares = self.shares
        rows = graph.alive & nodes[graph.dst] & (self.rank[graph.src] >= 0)
        for code in self.share_codes:
            acc = self.acc.setdefault(code, np.zeros(graph.size))
            acc[nodes] = 0.0
            mine = rows & (graph.kind == code) & ~np.isnan(shares)
            np.add.at(acc, graph.dst[mine], shares[mine])
        self.ctrl[nodes] = 0
        if self.control_codes:
            mine = rows & np.isin(graph.kind, list(self.control_codes))
            np.add.at(self.ctrl, graph.dst[mine], 1)

    def _meets(self, node: int) -> bool:
        if self.ctrl[node] > 0:
            return True
        return any(self.threshold.met(float(self.acc[c][node])) for c in self.share_codes)

    def _contribute(self, row: int, node: int) -> bool:
        """Add one edge of a hit owner to ``node``'s sums; True when that makes it hit."""
        code = int(self.graph.kind[row])
        share = float(self.shares[row])
        if code in self.acc and not np.isnan(share):
            self.acc[code][node] += share
        elif code in self.control_codes:
            self.ctrl[node] += 1
        else:
            return False
        if self.rank[node] >= 0 or not self._meets(node):
            return False
        owners = self.graph.src[self.graph.into(node)]
        self.rank[node] = 1 + int(self.rank[owners].max())
        return True

    def _propagate(self, queue: deque[int]) -> None:
        while queue:
            node = queue.popleft()
            for row in self.graph.out_of(node):
                target = int(self.graph.dst[row])
                if self._contribute(int(row), target):
                    queue.append(target)

    def _recompute(self, affected: BoolArray) -> None:
        reset = affected.copy()
        reset[list(self.seeds)] = False
        self.rank[reset] = -1
        self._sums(affected)
        queue: deque[int] = deque()
        for node in np.flatnonzero(reset).tolist():
            if self._meets(node):
                owners = self.graph.src[self.graph.into(node)]
                hit_owners = self.rank[owners]
                self.rank[node] = 1 + int(hit_owners[hit_owners >= 0].max(initial=0))
                queue.append(node)
        # nodes hit again here pass their shares downstream like any newly hit node
        self._propagate(queue)

    # -- per person ---------------------------------------------------------------------

    def _add_label(self, seed: int) -> None:
        members = single_label(
            self.graph, self.regime, self.threshold, seed, self.shares, self.pools
        )
        self.members[seed] = set(members)
        for node, rank in members.items():
            self.holders[node] += 1
            current = self.rank[node]
            self.rank[node] = rank if current < 0 else min(int(current), rank)

    def _drop_label(self, seed: int) -> None:
        members = self.members.pop(seed, set())
        nodes = np.fromiter(members, dtype=np.int64, count=len(members))
        self.holders[nodes] -= 1
        self.rank[nodes[self.holders[nodes] <= 0]] = -1

    def _relabel(self, owner: int, owned: int) -> None:
        """Re-run the persons an edge ``owner`` -> ``owned`` may matter to.

        Those holding ``owner``; under joint pooling also those holding any
        other holder of ``owned``, whose pooled shares may have changed.
        """
        touched = {owner}
        if self.regime.joint_pooling:
            touched.update(int(self.graph.src[r]) for r in self.graph.into(owned))
        for seed in [s for s, m in self.members.items() if not touched.isdisjoint(m)]:
            self._drop_label(seed)
            self._add_label(seed)
