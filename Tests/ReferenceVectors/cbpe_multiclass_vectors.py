#!/usr/bin/env python3
"""NannyML's CBPE for a multiclass classifier, as reference values for driftwatch's
multiclass estimator (Sources/DriftCore/Classification/MulticlassConfidenceBasedEstimator.swift):

    python3 -m venv .venv && .venv/bin/pip install nannyml==0.13.1
    .venv/bin/python Tests/ReferenceVectors/cbpe_multiclass_vectors.py

writes fixtures/vectors/cbpe_multiclass.json.

Cases (rows committed as count tables: reference (p per class × scale, true class) -> rows;
per chunk (p per class × scale, predicted class) -> rows; classes indexed in sorted order,
as NannyML orders them; NannyML ran on exactly these rounded probabilities):
- credit_card: NannyML's synthetic multiclass dataset
  (`nannyml.load_synthetic_multiclass_classification_dataset()`, shipped in the package; a
  credit-card product model with three string classes): 60,000 labelled reference rows,
  60,000 analysis rows in chunks of 10,000 whose second half drifts. Probabilities have two
  decimals. Three of the six chunks are committed (two before the drift, one after) to
  keep the fixture small.
- generated: a four-class softmax model with continuous probabilities (rounded to four
  decimals that add up to one), overconfident (logits × 2 where the truth uses × 1), integer classes; 3,000
  reference rows, then 3 chunks of 800 whose inputs shift (covariate shift: the
  calibration still holds).

With each case, the reference's realized macro one-vs-rest ROC AUC (scikit-learn), for
driftwatch's reference value of `estimated_roc_auc` (ClassProbabilityOutcomes.swift).

Calibration: NannyML decides per class whether to calibrate, by a randomised
cross-validated ECE comparison (`needs_calibration`). driftwatch always calibrates, so this
script forces NannyML to calibrate every class too.
"""
import json
import os
from collections import Counter

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")  # no telemetry upload

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

import nannyml
import nannyml.performance_estimation.confidence_based.cbpe as cbpe_module

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "fixtures", "vectors", "cbpe_multiclass.json")
METRICS = ["accuracy", "roc_auc", "precision", "recall", "f1"]


def run_case(name, reference, analysis, classes, chunk_size, committed, scale):
    """NannyML's estimates per chunk (every class calibrated), realized values from scikit-learn."""
    probability_columns = {c: f"y_pred_proba_{c}" for c in classes}
    index = {c: i for i, c in enumerate(classes)}
    original = cbpe_module.needs_calibration
    cbpe_module.needs_calibration = lambda *args, **kwargs: True
    try:
        estimator = nannyml.CBPE(y_pred_proba=probability_columns, y_pred="y_pred", y_true="y_true",
                                 problem_type="classification_multiclass", metrics=METRICS, chunk_size=chunk_size)
        estimator.fit(reference.copy())
        frame = estimator.estimate(analysis.drop(columns=["y_true"]).copy()).filter(period="analysis").to_df()
    finally:
        cbpe_module.needs_calibration = original

    def table(part, column):
        probabilities = np.rint(part[[probability_columns[c] for c in classes]].to_numpy() * scale).astype(int)
        keys = [tuple(p) + (index[c],) for p, c in zip(probabilities.tolist(), part[column].tolist())]
        return [list(key) + [count] for key, count in sorted(Counter(keys).items())]

    chunks = []
    for position, (_, row) in enumerate(frame.iterrows()):
        if position not in committed:
            continue
        start, end = int(row[("chunk", "start_index")]), int(row[("chunk", "end_index")]) + 1
        part = analysis.iloc[start:end]
        truth, predicted = part["y_true"].to_numpy(), part["y_pred"].to_numpy()
        probabilities = part[[probability_columns[c] for c in classes]].to_numpy()
        realized = {
            "accuracy": float(accuracy_score(truth, predicted)),
            "precision": float(precision_score(truth, predicted, average="macro", labels=classes)),
            "recall": float(recall_score(truth, predicted, average="macro", labels=classes)),
            "f1": float(f1_score(truth, predicted, average="macro", labels=classes)),
            "roc_auc": float(roc_auc_score(truth, probabilities, multi_class="ovr", average="macro", labels=classes)),
        }
        chunks.append({"start": start, "end": end, "estimated": {m: float(row[(m, "value")]) for m in METRICS},
                       "realized": realized, "rows": table(part, "y_pred")})
    reference_probabilities = reference[[probability_columns[c] for c in classes]].to_numpy()
    reference_realized = {"roc_auc": float(roc_auc_score(reference["y_true"].to_numpy(), reference_probabilities,
                                                         multi_class="ovr", average="macro", labels=classes))}
    return {"name": name, "classes": [str(c) for c in classes], "scale": scale,
            "reference_rows": table(reference, "y_true"), "reference_realized": reference_realized, "chunks": chunks}


def credit_card():
    reference, analysis, targets = nannyml.load_synthetic_multiclass_classification_dataset()
    analysis = analysis.merge(targets, on="id")
    classes = sorted(c[len("y_pred_proba_"):] for c in reference.columns if c.startswith("y_pred_proba_"))
    return run_case("credit_card", reference, analysis, classes, 10000, [0, 2, 5], 100)


def generated():
    rng = np.random.default_rng(20261206)
    weights = rng.normal(0, 1, (3, 4))

    def rows(count, shift):
        x = rng.normal(shift, 1.0, (count, 3))
        logits = x @ weights
        truth = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        labels = np.array([rng.choice(4, p=p) for p in truth])
        model = np.exp(2 * logits) / np.exp(2 * logits).sum(axis=1, keepdims=True)
        # Four decimals that still add up to one (largest remainders), as scikit-learn's
        # multiclass ROC AUC requires.
        units = np.floor(model * 10000).astype(int)
        remainders = model * 10000 - units
        for row in range(count):
            for k in np.argsort(-remainders[row])[: 10000 - units[row].sum()]:
                units[row, k] += 1
        model = units / 10000
        frame = pd.DataFrame({f"y_pred_proba_{k}": model[:, k] for k in range(4)})
        frame["y_pred"] = model.argmax(axis=1)
        frame["y_true"] = labels
        return frame

    reference = rows(3000, 0.0)
    analysis = pd.concat([rows(800, shift) for shift in (0.0, 0.7, -0.9)], ignore_index=True)
    return run_case("generated", reference, analysis, [0, 1, 2, 3], 800, [0, 1, 2], 10000)


def main():
    document = {
        "source": f"nannyml {nannyml.__version__} CBPE (classification_multiclass), calibration forced on for every class; "
                  "rows: [p of each class × scale (classes in sorted order), class index, count]",
        "cases": [credit_card(), generated()],
    }
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump(document, handle, separators=(",", ":"))
        handle.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
