"""The ownership and control rules of each regime, as data (DOMAIN.md section 1).

A regime is a handful of parameters read by one evaluator (``evaluate.py``):
the threshold (dated: the EU moved from "more than 50 %" to "50 % or more" on
3 July 2024), whether holdings of different listed persons are added up,
which edge kinds count as shares and which alone make an entity controlled,
and the legal basis to cite in each proof. Measures with their own test (EU
Art. 5h SWIFT ban) are regimes too: thresholds are per measure, not per regime.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tripwire.ownership.model import EdgeKind

EQUITY_AND_VOTING = frozenset({EdgeKind.EQUITY, EdgeKind.VOTING})
CONTROL_KINDS = frozenset({EdgeKind.BOARD, EdgeKind.CONTROL})


@dataclass(frozen=True, slots=True)
class Threshold:
    """``percent`` with ``inclusive`` (>=) or not (>), in force from ``since``."""

    since: dt.date | None
    percent: float
    inclusive: bool
    basis: str

    @property
    def symbol(self) -> str:
        return ">=" if self.inclusive else ">"

    def met(self, total: float) -> bool:
        eps = 1e-9
        return total >= self.percent - eps if self.inclusive else total > self.percent + eps


@dataclass(frozen=True, slots=True)
class Regime:
    key: str
    name: str
    seed_sources: tuple[str, ...]  # list sources whose listed parties are seeds
    seed_label: str
    thresholds: tuple[Threshold, ...]  # ascending by ``since``
    aggregate: bool  # add up the holdings of different listed persons
    share_kinds: frozenset[EdgeKind]  # each kind is tested on its own against the threshold
    control_kinds: frozenset[EdgeKind]  # one such edge from a hit party is enough
    joint_pooling: bool  # holdings under a joint arrangement count in full for each member
    hit_status: str  # "blocked" or "owned-or-controlled"
    refs: dict[str, str] = field(default_factory=dict)  # rule -> legal basis cited in proofs
    established_in: str | None = None  # the owned entity must be established here (Art. 5h)

    def threshold(self, as_of: dt.date) -> Threshold:
        """The threshold in force on ``as_of``."""
        current = self.thresholds[0]
        for candidate in self.thresholds:
            if candidate.since is None or candidate.since <= as_of:
                current = candidate
        return current


US = Regime(
    key="us",
    name="US OFAC 50 Percent Rule",
    seed_sources=("us_ofac_sdn",),
    seed_label="SDN",
    thresholds=(Threshold(None, 50.0, True, "OFAC 50 Percent Rule, revised guidance 13 Aug 2014"),),
    aggregate=True,
    share_kinds=frozenset({EdgeKind.EQUITY}),
    control_kinds=frozenset(),  # FAQ 398: control alone flags, never blocks
    joint_pooling=False,
    hit_status="blocked",
    refs={
        "single": "OFAC 50 Percent Rule (31 CFR 587.406)",
        "aggregate": "OFAC FAQ 399 (aggregation across blocked persons)",
        "indirect": "OFAC FAQ 401 (a blocked intermediary's whole stake counts)",
        "control": "OFAC FAQ 398 (control without 50 % ownership does not block)",
    },
)

EU = Regime(
    key="eu",
    name="EU owned or controlled (Reg. 269/2014 Art. 2)",
    seed_sources=("eu_fsf",),
    seed_label="EU",
    thresholds=(
        Threshold(None, 50.0, False, "EU Best Practices para. 62 (more than 50 %)"),
        Threshold(
            dt.date(2024, 7, 3), 50.0, True, "EU Best Practices of 3 July 2024 (50 % or more)"
        ),
    ),
    aggregate=True,
    share_kinds=EQUITY_AND_VOTING,
    control_kinds=CONTROL_KINDS,
    joint_pooling=False,
    hit_status="owned-or-controlled",
    refs={
        "single": "EU Best Practices para. 62",
        "aggregate": "Commission FAQ 8 of 8 Apr 2022 (aggregated ownership)",
        "indirect": "owned-or-controlled entities hold in full (same fixed point as OFAC)",
        "control": "EU Best Practices para. 63 control criteria (rebuttable presumption)",
    },
)

UK = Regime(
    key="uk",
    name="UK OFSI owned or controlled (reg. 7)",
    seed_sources=("gb_fcdo",),
    seed_label="UK",
    thresholds=(
        Threshold(None, 50.0, False, "reg. 7 Russia (Sanctions) Regs 2019 (more than 50 %)"),
    ),
    aggregate=False,
    share_kinds=EQUITY_AND_VOTING,
    control_kinds=CONTROL_KINDS,
    joint_pooling=True,
    hit_status="owned-or-controlled",
    refs={
        "single": "reg. 7(2) (more than 50 % of shares or voting rights)",
        "aggregate": "OFSI General Guidance ch. 4: holdings of different designated "
        "persons are not aggregated",
        "joint": "Sch. 1 para. 3 (joint arrangement: each holds the combined shares)",
        "indirect": "reg. 7 and Sch. 1: holdings through entities the person controls",
        "control": "reg. 7(2)(c)/(4) (right to appoint the board, affairs in accordance "
        "with wishes)",
    },
)

EU_5H = Regime(
    key="eu_5h",
    name="EU Art. 5h Reg. 833/2014 SWIFT ban",
    seed_sources=(),  # Annex XIV is not an asset-freeze list: seeds are given per measure
    seed_label="Annex XIV",
    thresholds=(Threshold(None, 50.0, False, "Art. 5h Reg. 833/2014 (more than 50 %)"),),
    aggregate=False,  # "owned by an entity listed in Annex XIV"
    share_kinds=frozenset({EdgeKind.EQUITY}),  # proprietary rights only
    control_kinds=frozenset(),
    joint_pooling=False,
    hit_status="owned-or-controlled",
    refs={
        "single": "Art. 5h(1)(c) Reg. 833/2014 (established in Russia, more than 50 % owned)",
        "aggregate": "Art. 5h: owned by an Annex XIV entity (not aggregated)",
        "indirect": "Art. 5h: owned directly or indirectly",
        "control": "Art. 5h speaks of proprietary rights only",
    },
    established_in="ru",
)

REGIMES: dict[str, Regime] = {r.key: r for r in (US, EU, UK, EU_5H)}
# ``--regime all`` means the three asset-freeze regimes; Art. 5h is asked for by name.
ALL_REGIMES: tuple[str, ...] = ("us", "eu", "uk")


def get_regime(key: str) -> Regime:
    found = REGIMES.get(key.lower())
    if found is None:
        raise ValueError(f"unknown regime {key!r} (allowed: {', '.join(REGIMES)})")
    return found
