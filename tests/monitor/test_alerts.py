"""When a hit alerts: new or returning pairs with the cause, rises by SCORE_RISE, else never."""

from __future__ import annotations

import pytest

from tripwire.monitor.alerts import SCORE_RISE, AlertReason, HitState, alert_reason

LISTED = AlertReason.PARTY_LISTED


@pytest.mark.parametrize(
    ("previous", "score", "expected"),
    [
        (None, 0.5, LISTED),  # a pair never seen
        (HitState("r", "e", 0.8, active=False), 0.5, LISTED),  # a pair that had stopped hitting
        (HitState("r", "e", 0.5, active=True), 0.5, None),  # unchanged hit: no second alert
        (HitState("r", "e", 0.5, active=True), 0.45, None),  # lower: no alert
        (HitState("r", "e", 0.5, active=True), 0.5 + SCORE_RISE, AlertReason.SCORE_ROSE),
    ],
)
def test_alert_reason(
    previous: HitState | None, score: float, expected: AlertReason | None
) -> None:
    assert alert_reason(previous, score, LISTED) == expected
