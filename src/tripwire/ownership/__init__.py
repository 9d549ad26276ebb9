"""Ownership and control exposure: who is blocked or owned-or-controlled through ownership.

``regimes`` holds the rules as data, ``evaluate`` the evaluator with proofs,
``graph`` the sparse structures and fixed points, ``incremental`` the
downstream-only recomputation, ``spark`` the same fixed point on Spark,
``sources``/``importer``/``store`` the edges, and ``service`` the answers
from the store (``exposure_note`` for screening results).
"""

from __future__ import annotations

from tripwire.ownership.evaluate import Answer, Evaluation, Proof
from tripwire.ownership.graph import OwnershipGraph
from tripwire.ownership.model import Edge, EdgeKind, Seed
from tripwire.ownership.regimes import REGIMES, Regime, get_regime
from tripwire.ownership.service import Exposure, exposure_note

__all__ = [
    "REGIMES",
    "Answer",
    "Edge",
    "EdgeKind",
    "Evaluation",
    "Exposure",
    "OwnershipGraph",
    "Proof",
    "Regime",
    "Seed",
    "exposure_note",
    "get_regime",
]
