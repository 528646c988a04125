"""Reference regression and multiclass metrics -> fixtures/vectors/model_types.json.

Run once from the repository root:  python Tests/ReferenceVectors/model_types_vectors.py

Regression values come from scikit-learn (mean_absolute_error, mean_squared_error and its
square root, mean_absolute_percentage_error -- which divides by max(|y|, float64 machine
epsilon), so a zero label gives a huge but finite term -- and r2_score with its default
force_finite=True: constant labels give 1.0 when every prediction is exact, else 0.0;
fewer than two rows give NaN, stored as null). The bias is numpy's mean of
(prediction - label): positive when the model over-predicts. Fairness values come from
Fairlearn 0.15: MetricFrame with mean_absolute_error per group, then difference() and
ratio() with method="between_groups", on the rows of the groups with at least the
minimum group size.

Multiclass values come from scikit-learn: accuracy_score, precision_recall_fscore_support
per class and with average="macro" / "micro" / "weighted" (zero_division=0, classes the
sorted union of the true and predicted ones), log_loss with labels= every class of the
probability vectors (rows sum to 1); the multiclass Brier score is numpy's mean over
rows of sum_k (p_k - [y = k])^2, the definition scikit-learn >= 1.7's brier_score_loss
uses for more than two classes; per-class calibration is the one-vs-rest expected
calibration error of each class's probability (numpy, bins min(floor(10 p), 9), as
metrics_vectors.py).

Rows are stored as lists of numbers rounded to 4 decimals (the references are computed
on the rounded values); group codes as a string of one-character category codes plus
the category names.
"""

import json
import math
import pathlib
import warnings

import numpy as np
from fairlearn.metrics import MetricFrame
from sklearn import metrics as skm

warnings.filterwarnings("ignore")
ROOT = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "vectors"


def number(value):
    value = float(value)
    return None if math.isnan(value) else value


def regression_case(name, labels, predictions):
    y = np.round(np.asarray(labels, dtype=float), 4)
    p = np.round(np.asarray(predictions, dtype=float), 4)
    expected = {
        "count": int(len(y)),
        "meanAbsoluteError": skm.mean_absolute_error(y, p),
        "rootMeanSquaredError": math.sqrt(skm.mean_squared_error(y, p)),
        "meanSquaredError": skm.mean_squared_error(y, p),
        "meanAbsolutePercentageError": skm.mean_absolute_percentage_error(y, p),
        "bias": float(np.mean(p - y)),
        "r2": number(skm.r2_score(y, p)) if len(y) >= 2 else None,
    }
    return {"name": name, "labels": y.tolist(), "predictions": p.tolist(),
            "expected": {k: (None if v is None else (v if isinstance(v, int) else float(v))) for k, v in expected.items()}}


def regression_cases(rng):
    cases = []
    n = 400
    y = np.exp(rng.normal(12, 0.5, n))  # house prices
    cases.append(regression_case("prices", y, y * rng.normal(1.0, 0.1, n) + rng.normal(2000, 5000, n)))

    y = rng.poisson(3, 300).astype(float)  # demand counts, zeros included: MAPE's epsilon
    cases.append(regression_case("demand with zeros", y, np.maximum(0, y + rng.normal(0.3, 1.2, 300))))

    y = 1e6 + rng.normal(0, 0.5, 200)  # tiny spread around a large mean: R² needs a stable SS_tot
    cases.append(regression_case("large offset", y, y + rng.normal(0.1, 0.2, 200)))

    cases.append(regression_case("constant labels", [5.0] * 6, [4.0, 5.0, 6.0, 5.5, 5.0, 4.5]))
    cases.append(regression_case("constant labels, exact predictions", [2.5] * 4, [2.5] * 4))
    cases.append(regression_case("single row", [10.0], [12.5]))
    cases.append(regression_case("negative values", [-3.0, -1.5, 0.5, 2.0, -7.25, 4.0, 1.0],
                                 [-2.0, -1.0, 0.0, 2.5, -6.0, 3.0, 2.0]))
    return cases


def fairness_case(name, categories, codes, labels, predictions, minimum_group_size):
    y = np.round(np.asarray(labels, dtype=float), 4)
    p = np.round(np.asarray(predictions, dtype=float), 4)
    groups = np.array([categories[c] for c in codes])
    per_group = []
    eligible = []
    for category in sorted(set(groups.tolist())):
        mask = groups == category
        per_group.append({"key": [category], "count": int(mask.sum()),
                          "meanAbsoluteError": float(skm.mean_absolute_error(y[mask], p[mask]))})
        if mask.sum() >= minimum_group_size:
            eligible.append(category)
    gap = None
    if len(eligible) >= 2:
        mask = np.isin(groups, eligible)
        frame = MetricFrame(metrics=skm.mean_absolute_error, y_true=y[mask], y_pred=p[mask],
                            sensitive_features=groups[mask])
        gap = {"difference": number(frame.difference(method="between_groups")),
               "ratio": number(frame.ratio(method="between_groups"))}
    return {"name": name, "minimumGroupSize": minimum_group_size, "categories": categories,
            "codes": "".join(map(str, codes)), "labels": y.tolist(), "predictions": p.tolist(),
            "groups": per_group, "excluded": [[c] for c in sorted(set(groups.tolist())) if c not in eligible],
            "meanAbsoluteErrorGap": gap}


def fairness_cases(rng):
    cases = []
    n = 600
    codes = rng.choice(3, n, p=[0.5, 0.35, 0.15])
    y = rng.normal(100, 20, n)
    noise = np.array([5.0, 9.0, 15.0])[codes]  # the model errs more for some groups
    cases.append(fairness_case("three regions", ["north", "south", "west"], codes.tolist(), y,
                               y + rng.normal(0, 1, n) * noise, 30))
    codes = [0] * 40 + [1] * 35 + [2] * 5  # "tiny" falls below the minimum and is excluded
    y = rng.normal(50, 10, 80)
    cases.append(fairness_case("a group below the minimum", ["large", "medium", "tiny"], codes, y,
                               y + rng.normal(0, 3, 80), 20))
    codes = [0] * 10 + [1] * 10  # one group predicted exactly: the ratio is 0
    y = rng.normal(10, 2, 20)
    p = np.concatenate([y[:10], y[10:] + 1.5])
    cases.append(fairness_case("one exact group", ["a", "b"], codes, y, p, 5))
    return cases


def expected_calibration_error(y, p):
    bins = np.minimum(np.floor(p * 10).astype(int), 9)
    total = 0.0
    for b in range(10):
        mask = bins == b
        if mask.any():
            total += mask.sum() / len(p) * abs(y[mask].mean() - p[mask].mean())
    return float(total)


def multiclass_case(name, labels, predictions, probabilities=None):
    y, p = list(map(str, labels)), list(map(str, predictions))
    classes = sorted(set(y) | set(p))
    precision, recall, f1, support = skm.precision_recall_fscore_support(y, p, labels=classes, zero_division=0)
    expected = {
        "accuracy": skm.accuracy_score(y, p),
        "perClass": [{"name": c, "precision": float(pr), "recall": float(rc), "f1": float(f), "support": int(s)}
                     for c, pr, rc, f, s in zip(classes, precision, recall, f1, support)],
    }
    for average in ["macro", "micro", "weighted"]:
        pr, rc, f, _ = skm.precision_recall_fscore_support(y, p, average=average, zero_division=0)
        expected[average] = {"precision": float(pr), "recall": float(rc), "f1": float(f)}
    case = {"name": name, "labels": y, "predictions": p, "expected": expected}
    if probabilities is not None:
        names = sorted(probabilities[0].keys())
        matrix = np.round(np.array([[row[c] for c in names] for row in probabilities]), 4)
        matrix[:, -1] = 1 - matrix[:, :-1].sum(axis=1)  # rows sum to 1 after rounding
        matrix = np.round(matrix, 10)
        onehot = np.array([[1.0 if c == label else 0.0 for c in names] for label in y])
        expected["logLoss"] = float(skm.log_loss(y, matrix, labels=names))
        expected["brierScore"] = float(np.mean(np.sum((matrix - onehot) ** 2, axis=1)))
        expected["calibrationErrors"] = {c: expected_calibration_error(onehot[:, k], matrix[:, k]) for k, c in enumerate(names)}
        case["probabilities"] = [dict(zip(names, row.tolist())) for row in matrix]
    return case


def multiclass_cases(rng):
    cases = []
    n = 500
    names = ["bus", "car", "train"]
    truth = rng.choice(3, n, p=[0.5, 0.3, 0.2])
    logits = rng.normal(0, 1, (n, 3)) + 1.8 * np.eye(3)[truth]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    cases.append(multiclass_case("three string classes with probabilities", [names[t] for t in truth],
                                 [names[i] for i in probs.argmax(axis=1)], [dict(zip(names, r)) for r in probs]))
    truth = rng.choice(4, 300)
    predicted = np.where(rng.random(300) < 0.6, truth, rng.choice(5, 300))  # class 4 is only ever predicted
    cases.append(multiclass_case("integer classes, one never true", truth.tolist(), predicted.tolist()))
    cases.append(multiclass_case("a class never predicted", ["a", "b", "c", "a", "b", "c"], ["a", "b", "b", "a", "a", "b"]))
    return cases


def main():
    rng = np.random.default_rng(20261205)
    vectors = {"generator": "scikit-learn, Fairlearn 0.15, numpy", "regression": regression_cases(rng), "regressionFairness": fairness_cases(rng),
               "multiclass": multiclass_cases(rng)}
    (ROOT / "model_types.json").write_text(json.dumps(vectors, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
