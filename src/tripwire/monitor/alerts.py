"""When a hit deserves an alert, and why: new hits alert once, unchanged hits never again.

Every (register record, listed party) pair that ever scored above the threshold has
a hit state (score, active or not). A re-screen compares what it finds with that
state: a pair that was not hitting becomes an alert with the cause of the re-screen
(the party was listed or changed, the record is new or changed); a pair that was
already hitting stays quiet unless its score rose by :data:`SCORE_RISE` or more
(a changed list entry that now matches much better deserves a second look).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

#: An active hit alerts again when its score rises by at least this much.
SCORE_RISE = 0.05


class AlertReason(StrEnum):
    """Why an alert was raised; the cause of the re-screen that found the hit."""

    PARTY_LISTED = "party_listed"
    PARTY_CHANGED = "party_changed"
    RECORD_NEW = "record_new"
    RECORD_CHANGED = "record_changed"
    SCORE_ROSE = "score_rose"


@dataclass(frozen=True, slots=True)
class HitState:
    """What the register last knew about one (record, party) pair."""

    record_id: str
    entity_id: str
    score: float
    active: bool


def alert_reason(previous: HitState | None, score: float, cause: AlertReason) -> AlertReason | None:
    """The reason to alert on a hit scoring ``score`` now, or None for an unchanged hit."""
    if previous is None or not previous.active:
        return cause
    if score >= previous.score + SCORE_RISE:
        return AlertReason.SCORE_ROSE
    return None


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: the record, the party it hit, the list version and the reason."""

    record_id: str
    record_name: str
    entity_id: str
    source: str
    version_id: int
    score: float
    previous_score: float | None
    reason: AlertReason
    caption: str
    list_name: str
    explanation: dict[str, Any]
    status: str = "open"
    created_at: dt.datetime | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "record_id": self.record_id,
            "record_name": self.record_name,
            "entity_id": self.entity_id,
            "source": self.source,
            "version_id": self.version_id,
            "score": round(self.score, 4),
            "previous_score": None
            if self.previous_score is None
            else round(self.previous_score, 4),
            "reason": str(self.reason),
            "status": self.status,
            "caption": self.caption,
            "list_name": self.list_name,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "explanation": self.explanation,
        }

    def row(self, now: dt.datetime) -> dict[str, Any]:
        """The values of its ``monitor_alert`` row."""
        return {
            "record_id": self.record_id,
            "entity_id": self.entity_id,
            "source": self.source,
            "version_id": self.version_id,
            "score": self.score,
            "previous_score": self.previous_score,
            "reason": str(self.reason),
            "status": self.status,
            "record_name": self.record_name,
            "caption": self.caption,
            "list_name": self.list_name,
            "explanation": json.dumps(self.explanation, ensure_ascii=False, default=str),
            "created_at": now,
        }
