"""Ownership edges and seeds: the pure data the evaluator works on.

Shares are percentages (0 to 100) exactly as the source states them; ``None``
means the source says there is a holding or a control link but not how large.
Nothing here is normalised: a company whose owners add up to 130 % keeps 130 %.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class EdgeKind(StrEnum):
    """What an edge says the owner has over the owned entity."""

    EQUITY = "equity"  # shares / proprietary rights
    VOTING = "voting"  # voting rights (may differ from equity)
    BOARD = "board"  # right to appoint or remove a majority of the board
    CONTROL = "control"  # other control (dominant influence, "owned or controlled by")
    JOINT = "joint"  # the owner's holding is under a joint arrangement with the other members
    LINK = "link"  # a stated link of unknown nature ("Linked To", directorship)

    @classmethod
    def parse(cls, value: str) -> EdgeKind:
        text = value.strip().lower().replace("-", "_").replace(" ", "_")
        found = _ALIASES.get(text)
        if found is None:
            allowed = ", ".join(sorted(k.value for k in cls))
            raise ValueError(f"unknown kind {value!r} (allowed: {allowed})")
        return found


_ALIASES: dict[str, EdgeKind] = {k.value: k for k in EdgeKind} | {
    "shares": EdgeKind.EQUITY,
    "ownership": EdgeKind.EQUITY,
    "votes": EdgeKind.VOTING,
    "board_appointment": EdgeKind.BOARD,
    "board_rights": EdgeKind.BOARD,
    "other_control": EdgeKind.CONTROL,
    "agreement": EdgeKind.CONTROL,
    "joint_arrangement": EdgeKind.JOINT,
}

# Stable small integers for the array representation (graph.py, spark.py).
KIND_CODES: dict[EdgeKind, int] = {k: i for i, k in enumerate(EdgeKind)}
KINDS_BY_CODE: tuple[EdgeKind, ...] = tuple(EdgeKind)


@dataclass(frozen=True, slots=True)
class Edge:
    """One stated relation: ``owner`` holds ``share`` % (or control) of ``owned``."""

    owner: str
    owned: str
    kind: EdgeKind = EdgeKind.EQUITY
    share: float | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    source: str = "user"
    confidence: float = 1.0
    ref: str = ""
    observed: dt.date | None = None  # when the source last stated it (staleness)
    # JOINT edges: which joint arrangement (UK Sch. 1 para. 3) the holding is under. Empty:
    # the one arrangement of all joint holders of ``owned`` that name none.
    arrangement: str = ""

    @property
    def key(self) -> tuple[str, str, EdgeKind, str]:
        """One holding: a re-filing of the same stake has the same key."""
        return (self.owner, self.owned, self.kind, self.arrangement)

    def active(self, as_of: dt.date) -> bool:
        """In force on ``as_of`` (both ends inclusive; an open end is open)."""
        if self.valid_from is not None and as_of < self.valid_from:
            return False
        return self.valid_to is None or as_of <= self.valid_to

    def to_dict(self) -> dict[str, object]:
        return {
            "owner": self.owner,
            "owned": self.owned,
            "kind": self.kind.value,
            "share": self.share,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "source": self.source,
            "confidence": self.confidence,
            "ref": self.ref,
            "arrangement": self.arrangement or None,
        }


@dataclass(frozen=True, slots=True)
class Seed:
    """A listed party a regime starts from (an SDN, an EU Annex I or UK designee)."""

    entity_id: str
    label: str  # how proofs name the listing: "SDN", "EU", "UK", "Annex XIV"
    since: dt.date | None = None  # listing date when known: not a seed before it

    def active(self, as_of: dt.date) -> bool:
        return self.since is None or self.since <= as_of
