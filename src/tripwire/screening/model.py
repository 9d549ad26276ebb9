"""The scoring model: a logistic regression over the features, fitted by ``training``.

The weights live in ``data/weights.json`` (written by ``python -m
tripwire.screening.training``), never in code. The score is the model's
probability that the pair is the same party; the explanation lists each
feature's value, weight and contribution to the log-odds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tripwire.screening.features import FEATURE_NAMES, FEATURES, N_NAME

WEIGHTS_FILE = "data/weights.json"


@dataclass(frozen=True)
class ScoringModel:
    weights: NDArray[np.float64]
    bias: float
    threshold: float
    meta: dict[str, Any]

    @property
    def name_weights(self) -> NDArray[np.float64]:
        return self.weights[:N_NAME]

    @classmethod
    def load(cls, path: Path | None = None) -> ScoringModel:
        if path is None:
            text = resources.files("tripwire.screening").joinpath(WEIGHTS_FILE).read_text()
        else:
            text = path.read_text()
        data = json.loads(text)
        if tuple(data["features"]) != FEATURE_NAMES:
            raise ValueError(
                f"weights file lists features {data['features']}, the code has {FEATURE_NAMES}; "
                "retrain with python -m tripwire.screening.training"
            )
        return cls(
            weights=np.array(data["weights"], dtype=np.float64),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            meta=dict(data.get("meta", {})),
        )

    def save(self, path: Path) -> None:
        data = {
            "features": list(FEATURE_NAMES),
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "threshold": round(self.threshold, 4),
            "meta": self.meta,
        }
        path.write_text(json.dumps(data, indent=2) + "\n")

    def probability(self, vector: NDArray[np.float64] | Sequence[float]) -> float:
        values = [float(v) for v in vector]
        return self.probability_from(self.name_logit(values[:N_NAME]), values[N_NAME:])

    def name_logit(self, name_features: Sequence[float]) -> float:
        """The name features' part of the log-odds, summed left to right from zero as the
        compiled kernel sums it (so both give the same bits)."""
        logit = 0.0
        for weight, value in zip(self._weights[:N_NAME], name_features, strict=True):
            logit += weight * value
        return logit

    def probability_from(self, name_logit: float, others: Sequence[float]) -> float:
        """The score from the name log-odds and the other features' values."""
        logit = self.bias + name_logit
        for weight, value in zip(self._weights[N_NAME:], others, strict=True):
            logit += weight * value
        return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))

    @cached_property
    def _weights(self) -> tuple[float, ...]:
        return tuple(float(w) for w in self.weights)

    @cached_property
    def _shown(self) -> tuple[tuple[str, float, str], ...]:
        """Each feature's name, rounded weight and description, as explanations show them."""
        return tuple(
            (feature.name, round(weight, 4), feature.description)
            for feature, weight in zip(FEATURES, self._weights, strict=True)
        )

    def contributions(self, vector: list[float]) -> list[dict[str, Any]]:
        """Each non-zero feature with its value, weight, contribution and description."""
        out: list[dict[str, Any]] = []
        for (name, shown_weight, description), weight, value in zip(
            self._shown, self._weights, vector, strict=True
        ):
            if value == 0.0:
                continue
            out.append(
                {
                    "feature": name,
                    "value": round(float(value), 4),
                    "weight": shown_weight,
                    "contribution": round(weight * value, 4),
                    "description": description,
                }
            )
        out.sort(key=lambda c: -abs(c["contribution"]))
        return out
