"""The model: fitted, not hand-set; the packaged weights match the code's features."""

from __future__ import annotations

import numpy as np

from tripwire.screening.features import FEATURE_NAMES
from tripwire.screening.model import ScoringModel
from tripwire.screening.training import fit_logistic


def test_irls_recovers_known_coefficients() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(20000, 3))
    true = np.array([2.0, -1.0, 0.5])
    p = 1 / (1 + np.exp(-(X @ true - 0.7)))
    y = (rng.random(20000) < p).astype(float)
    weights, bias = fit_logistic(X, y, l2=0.0)
    assert np.allclose(weights, true, atol=0.1) and abs(bias + 0.7) < 0.1


def test_packaged_weights_fit_the_features_and_make_sense() -> None:
    model = ScoringModel.load()
    assert model.weights.shape == (len(FEATURE_NAMES),)
    w = dict(zip(FEATURE_NAMES, model.weights, strict=True))
    assert w["query_coverage"] > 0 and w["id_match"] > 0 and w["dob_exact"] > 0
    assert w["dob_conflict"] < 0 and w["id_conflict"] < 0
    assert 0.0 < model.threshold < 1.0
    assert model.meta["threshold_rule"] and model.meta["seed"]
