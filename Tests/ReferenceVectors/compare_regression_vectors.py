"""A regression model's dataset pair and what `driftwatch compare` must report on it.

Run once from the repository root:  python Tests/ReferenceVectors/compare_regression_vectors.py

Writes fixtures/compare/regression_reference.jsonl and regression_current.jsonl (seeded JSON lines
of prediction and label events of model house-price, a regression model: `prediction` numbers,
numeric labels for ~90 % of the predictions, some before their prediction; feature f_area, segment
region: north, south, or rarely east, whose errors are twice as wide in the current file) and
fixtures/vectors/compare_regression.json:

- performance of each side over its labelled predictions with scikit-learn: count,
  mean_absolute_error, sqrt(mean_squared_error), mean_absolute_percentage_error, r2_score, numpy's
  mean of (prediction - label) as the bias, label coverage = labelled / predictions; and the
  difference current - reference of each but the count;
- residual drift of the current residuals (label - prediction) against the reference's:
  scipy.stats.ks_2samp(current, reference).statistic and the PSI over numpy's reference deciles
  (as residual_drift.py);
- per-group errors of the current file by region: each group's count, MAE, RMSE and bias
  (scikit-learn), and Fairlearn's MetricFrame(mean_absolute_error) between-groups difference
  (max - min) and ratio (min / max) over the groups with at least 50 labelled predictions
  (the others listed as excluded).
"""
import json

import numpy as np
from scipy import stats
from sklearn import metrics as skm

from vector_io import ROOT, compact, group_fairness, maybe_label, psi, write_lines, write_vectors

MIN_GROUP_SIZE = 50


def side(rng, n, prefix, error_sd, shift, path, start_ms, south_factor=1.0):
    lines, labelled = [], []
    for index in range(n):
        area = round(float(rng.normal(80, 25)), 1)
        draw = rng.random()
        region = "east" if draw < 0.05 else ("north" if draw < 0.55 else "south")
        price = round(150_000 + 1_500 * area + float(rng.normal(0, 10_000)), 2)
        spread = error_sd * (south_factor if region == "south" else 1.0)
        predicted = round(price + float(rng.normal(shift, spread)), 2)
        identifier = f"{prefix}-{index}"
        time = start_ms + 1000 * index
        events = [{"event": "prediction", "model": "house-price", "version": "v1", "id": identifier, "ts": time,
                   "features": {"f_area": area}, "prediction": predicted, "segment": {"region": region}}]
        if maybe_label(rng, events, identifier, time, price):
            labelled.append((predicted, price, region))
        lines += [compact(event) for event in events]
    write_lines(path, lines)
    p = np.array([row[0] for row in labelled])
    y = np.array([row[1] for row in labelled])
    metrics = {
        "count": len(labelled),
        "mae": float(skm.mean_absolute_error(y, p)),
        "rmse": float(np.sqrt(skm.mean_squared_error(y, p))),
        "mape": float(skm.mean_absolute_percentage_error(y, p)),
        "bias": float(np.mean(p - y)),
        "r2": float(skm.r2_score(y, p)),
        "label_coverage": len(labelled) / n,
    }
    groups = np.array([row[2] for row in labelled])
    fairness = group_fairness(groups, lambda inside: {"mae": float(skm.mean_absolute_error(y[inside], p[inside])),
                                                      "rmse": float(np.sqrt(skm.mean_squared_error(y[inside], p[inside]))),
                                                      "bias": float(np.mean(p[inside] - y[inside]))},
                              "mae", MIN_GROUP_SIZE)
    return metrics, y - p, fairness


rng = np.random.default_rng(23)
reference, reference_residuals, _ = side(rng, 400, "r", 8_000, 0, ROOT / "fixtures" / "compare" / "regression_reference.jsonl",
                                      1_700_000_000_000)
current, current_residuals, current_fairness = side(rng, 300, "c", 14_000, 5_000, ROOT / "fixtures" / "compare" / "regression_current.jsonl",
                                                    1_700_100_000_000, south_factor=2.0)
expected = {
    "performance": {"reference": reference, "current": current,
                    "difference": {key: current[key] - reference[key] for key in reference if key != "count"}},
    "residual_drift": {"psi": psi(reference_residuals, current_residuals),
                       "ks": float(stats.ks_2samp(current_residuals, reference_residuals).statistic)},
    "min_group_size": MIN_GROUP_SIZE,
    "fairness": {"region": current_fairness},
}
write_vectors("compare_regression.json", expected)
print(json.dumps(expected, indent=1))
