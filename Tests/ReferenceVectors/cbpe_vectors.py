#!/usr/bin/env python3
"""NannyML's CBPE (confidence-based performance estimation) on two binary cases, as
reference values for driftwatch's estimator (Sources/DriftCore/Classification/
ConfidenceBasedPerformanceEstimation.swift):

    python3 -m venv .venv && .venv/bin/pip install nannyml==0.13.1
    .venv/bin/python Tests/ReferenceVectors/cbpe_vectors.py

writes fixtures/vectors/cbpe.json.

Cases:
- car_loan: NannyML's synthetic car-loan dataset (`nannyml.load_synthetic_car_loan_dataset()`,
  shipped in the package): 50,000 reference rows with labels, 50,000 analysis rows in
  chunks of 5,000. Its scores have two decimals, so the inputs are committed exactly as
  count tables: reference (score, label) -> rows; per chunk (score, predicted) -> rows.
- generated: a miscalibrated logistic model (scores overconfident: sigmoid(2.5·z) where the
  truth is sigmoid(1.2·z + 0.3)), 4,000 reference rows, then 6 chunks of 1,000 rows whose
  z drifts upward (covariate shift: calibration still holds, accuracy changes). Scores are
  rounded to 4 decimals and NannyML runs on the rounded values; rows are committed as they are.

Calibration: NannyML decides whether to calibrate with a randomised cross-validated ECE
comparison (`nannyml.calibration.needs_calibration`). driftwatch always calibrates, so this
script forces NannyML to calibrate too (and records what NannyML's own check decided).
"""
import json
import os
from collections import Counter

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")  # no telemetry upload

import numpy as np
import pandas as pd

import nannyml
import nannyml.performance_estimation.confidence_based.cbpe as cbpe_module
from nannyml.calibration import IsotonicCalibrator, needs_calibration

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "fixtures", "vectors", "cbpe.json")
METRICS = ["accuracy", "roc_auc", "precision", "recall", "f1"]


def run_cbpe(reference, analysis, chunk_size):
    """NannyML's per-chunk estimates on the analysis data, calibration forced on."""
    own_decision = bool(needs_calibration(np.asarray(reference["y_true"]), np.asarray(reference["y_pred_proba"]),
                                          IsotonicCalibrator()))
    original = cbpe_module.needs_calibration
    cbpe_module.needs_calibration = lambda **_: True
    try:
        estimator = nannyml.CBPE(y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="y_true",
                                 problem_type="classification_binary", metrics=METRICS, chunk_size=chunk_size)
        estimator.fit(reference)
        frame = estimator.estimate(analysis).filter(period="analysis").to_df()
    finally:
        cbpe_module.needs_calibration = original
    chunks = []
    for _, row in frame.iterrows():
        chunks.append({
            "start": int(row[("chunk", "start_index")]),
            "end": int(row[("chunk", "end_index")]) + 1,
            "estimated": {metric: float(row[(metric, "value")]) for metric in METRICS},
            "realized": {metric: (None if pd.isna(row[(metric, "realized")]) else float(row[(metric, "realized")]))
                         for metric in METRICS},
        })
    return own_decision, chunks


def car_loan():
    reference, analysis, targets = nannyml.load_synthetic_car_loan_dataset()
    analysis = analysis.merge(targets, on="id")
    reference = reference.rename(columns={"repaid": "y_true"})
    analysis = analysis.rename(columns={"repaid": "y_true"})
    columns = ["y_pred_proba", "y_pred", "y_true"]
    reference, analysis = reference[columns].copy(), analysis[columns].copy()
    reference["y_true"] = reference["y_true"].astype(int)
    chunk_size = 5000
    own_decision, chunks = run_cbpe(reference, analysis.drop(columns=["y_true"]), chunk_size)
    cents = lambda score: int(round(score * 100))
    reference_table = Counter((cents(s), int(y)) for s, y in zip(reference["y_pred_proba"], reference["y_true"]))
    for chunk in chunks:
        part = analysis.iloc[chunk["start"]:chunk["end"]]
        table = Counter((cents(s), int(p)) for s, p in zip(part["y_pred_proba"], part["y_pred"]))
        chunk["rows"] = [[score, predicted, count] for (score, predicted), count in sorted(table.items())]
        realized_accuracy = float(np.mean(part["y_pred"].to_numpy() == part["y_true"].to_numpy()))
        chunk["realized"]["accuracy"] = realized_accuracy
    return {
        "name": "car_loan",
        "score_scale": 100,
        "nannyml_needs_calibration": own_decision,
        "reference_rows": [[score, label, count] for (score, label), count in sorted(reference_table.items())],
        "chunks": chunks,
    }


def generated():
    rng = np.random.default_rng(20261205)

    def rows(count, shift):
        z = rng.normal(shift, 1.0, count)
        truth = 1 / (1 + np.exp(-(1.2 * z + 0.3)))
        labels = (rng.random(count) < truth).astype(int)
        scores = np.round(1 / (1 + np.exp(-2.5 * z)), 4)
        return scores, labels

    reference_scores, reference_labels = rows(4000, 0.0)
    parts = [rows(1000, shift) for shift in (0.0, 0.0, 0.4, 0.8, -0.6, -1.2)]
    analysis_scores = np.concatenate([p[0] for p in parts])
    analysis_labels = np.concatenate([p[1] for p in parts])
    analysis_predicted = (analysis_scores >= 0.5).astype(int)
    reference = pd.DataFrame({"y_pred_proba": reference_scores, "y_true": reference_labels,
                              "y_pred": (reference_scores >= 0.5).astype(int)})
    analysis = pd.DataFrame({"y_pred_proba": analysis_scores, "y_pred": analysis_predicted})
    own_decision, chunks = run_cbpe(reference, analysis, 1000)
    scale = 10000
    for chunk in chunks:
        part = slice(chunk["start"], chunk["end"])
        table = Counter((int(round(s * scale)), int(p)) for s, p in zip(analysis_scores[part], analysis_predicted[part]))
        chunk["rows"] = [[score, predicted, count] for (score, predicted), count in sorted(table.items())]
        chunk["realized"]["accuracy"] = float(np.mean(analysis_predicted[part] == analysis_labels[part]))
    table = Counter((int(round(s * scale)), int(y)) for s, y in zip(reference_scores, reference_labels))
    return {
        "name": "generated",
        "score_scale": scale,
        "nannyml_needs_calibration": own_decision,
        "reference_rows": [[score, label, count] for (score, label), count in sorted(table.items())],
        "chunks": chunks,
    }


def main():
    document = {
        "source": f"nannyml {nannyml.__version__} CBPE (binary), calibration forced on; "
                  "rows: [score × score_scale, label or predicted class, count]",
        "cases": [car_loan(), generated()],
    }
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump(document, handle, separators=(",", ":"))
        handle.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
