"""Reference classification and fairness metrics -> fixtures/vectors/classification.json
and fixtures/vectors/fairness.json.

Run once from the repository root:  python Tests/ReferenceVectors/metrics_vectors.py

Classification values come from scikit-learn (accuracy_score, precision_score,
recall_score, f1_score with zero_division=0, roc_auc_score, brier_score_loss, log_loss --
scikit-learn 1.9 clips log-loss probabilities at float64 machine epsilon, not the 1e-15
of older releases; the "certain scores" case, with scores of exactly 0 and 1, pins it);
the false-positive rate from confusion_matrix; the expected calibration error from
numpy with driftwatch's bin convention (bin = min(floor(10·score), 9), so [0, 0.1), …,
[0.9, 1.0] with 1.0 in the last bin). Fairness values come from Fairlearn 0.15
(MetricFrame per group; demographic parity / equalized odds / equal opportunity
difference and ratio with method="between_groups" and agg="worst_case") computed on the
rows of the groups that meet the minimum size only; Wilson 95 % intervals from the
closed-form score interval with z = scipy.stats.norm.ppf(0.975).

Rows are stored compactly: labels as a string of '0', '1' and '-' (unlabelled),
predictions as a string of '0'/'1', scores rounded to 4 decimals (the references are
computed on the rounded scores), attribute columns as a string of one-character
category codes plus the category names. JSON has no NaN: an undefined value (a 0/0
ratio, roc_auc_score with one class present) is stored as null.
"""

import json
import math
import pathlib
import warnings

import numpy as np
from fairlearn import metrics as flm
from scipy.stats import norm
from sklearn import metrics as skm

warnings.filterwarnings("ignore")
ROOT = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "vectors"
Z = float(norm.ppf(0.975))


def number(value):
    value = float(value)
    return None if math.isnan(value) else value


def expected_calibration_error(y, s):
    bins = np.minimum(np.floor(s * 10).astype(int), 9)
    total = 0.0
    for b in range(10):
        mask = bins == b
        if mask.any():
            total += mask.sum() / len(s) * abs(y[mask].mean() - s[mask].mean())
    return total


def classification_case(name, y, pred, scores):
    y, pred, scores = np.asarray(y), np.asarray(pred), np.round(np.asarray(scores, dtype=float), 4)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    both_classes = len(set(y.tolist())) == 2
    expected = {
        "truePositives": int(tp), "falsePositives": int(fp), "trueNegatives": int(tn), "falseNegatives": int(fn),
        "accuracy": skm.accuracy_score(y, pred),
        "precision": skm.precision_score(y, pred, zero_division=0),
        "recall": skm.recall_score(y, pred, zero_division=0),
        "falsePositiveRate": float(fp / (fp + tn)) if fp + tn else 0.0,
        "f1": skm.f1_score(y, pred, zero_division=0),
        "selectionRate": float(pred.mean()),
        "rocAUC": skm.roc_auc_score(y, scores) if both_classes else None,
        "brierScore": skm.brier_score_loss(y, scores, pos_label=1),
        "logLoss": skm.log_loss(y, scores, labels=[0, 1]),
        "expectedCalibrationError": expected_calibration_error(y, scores),
    }
    return {
        "name": name,
        "labels": "".join(map(str, y.tolist())),
        "predictions": "".join(map(str, pred.tolist())),
        "scores": scores.tolist(),
        "expected": {k: (None if v is None else (v if isinstance(v, int) else float(v))) for k, v in expected.items()},
    }


def classification_cases(rng):
    cases = []
    n = 3000
    y = (rng.random(n) < 0.4).astype(int)
    s = np.clip(rng.normal(0.35 + 0.3 * y, 0.18), 0, 1)
    cases.append(classification_case("balanced", y, (s >= 0.5).astype(int), s))

    y = (rng.random(n) < 0.05).astype(int)
    s = np.clip(rng.beta(2, 8, n) + 0.35 * y, 0, 1)
    cases.append(classification_case("imbalanced labels", y, (s >= 0.3).astype(int), s))

    y = (rng.random(n) < 0.5).astype(int)
    s = np.round(np.clip(rng.normal(0.45 + 0.1 * y, 0.2), 0, 1) * 20) / 20  # many ties
    cases.append(classification_case("scores with many ties", y, (s >= 0.5).astype(int), s))

    y = (rng.random(500) < 0.5).astype(int)
    s = rng.random(500)
    s[:40] = 0.0
    s[40:80] = 1.0  # exact 0 and 1, some of them wrong: log loss clipping
    cases.append(classification_case("certain scores", y, (s >= 0.5).astype(int), s))

    y = (rng.random(400) < 0.3).astype(int)
    s = rng.random(400) * 0.4
    cases.append(classification_case("no predicted positives", y, np.zeros(400, dtype=int), s))

    cases.append(classification_case("seven rows", [1, 0, 1, 1, 0, 0, 1], [1, 0, 0, 1, 1, 0, 1],
                                     [0.9, 0.2, 0.45, 0.7, 0.65, 0.1, 0.55]))

    y = np.zeros(300, dtype=int)
    s = rng.random(300)
    cases.append(classification_case("single class", y, (s >= 0.5).astype(int), s))
    return cases


def wilson(successes, trials):
    if trials == 0:
        return None
    p = successes / trials
    denominator = 1 + Z * Z / trials
    center = (p + Z * Z / (2 * trials)) / denominator
    half = Z / denominator * math.sqrt(p * (1 - p) / trials + Z * Z / (4 * trials * trials))
    return [center - half, center + half]


def group_metrics(labels, pred):
    """Per-group values, each as {"value": v, "interval": [lo, hi] or null}."""
    labelled = labels >= 0
    y, p = labels[labelled], pred[labelled]
    tp = int(((y == 1) & (p == 1)).sum()); fp = int(((y == 0) & (p == 1)).sum())
    tn = int(((y == 0) & (p == 0)).sum()); fn = int(((y == 1) & (p == 0)).sum())
    result = {
        "count": int(len(pred)),
        "labelledCount": int(labelled.sum()),
        "selectionRate": {"value": float(flm.selection_rate(None, pred)), "interval": wilson(int(pred.sum()), len(pred))},
    }
    if labelled.any():
        result.update({
            "truePositiveRate": {"value": float(flm.true_positive_rate(y, p, pos_label=1)), "interval": wilson(tp, tp + fn)},
            "falsePositiveRate": {"value": float(flm.false_positive_rate(y, p, pos_label=1)), "interval": wilson(fp, fp + tn)},
            "accuracy": {"value": float(skm.accuracy_score(y, p)), "interval": wilson(tp + tn, len(y))},
            "precision": {"value": float(skm.precision_score(y, p, zero_division=0)), "interval": wilson(tp, tp + fp)},
        })
    return result


def fairness_case(name, attributes, labels, pred, minimum_group_size):
    """attributes: [(name, categories, codes array)]; labels: -1 = unlabelled."""
    labels, pred = np.asarray(labels), np.asarray(pred)
    keys = [tuple(categories[c] for (_, categories, _), c in zip(attributes, row))
            for row in zip(*(codes for _, _, codes in attributes))]
    keys_array = np.array(["|".join(k) for k in keys])
    groups = sorted(set(keys))
    per_group, selection_eligible, label_eligible = [], [], []
    for key in groups:
        mask = keys_array == "|".join(key)
        metrics = group_metrics(labels[mask], pred[mask])
        metrics["key"] = list(key)
        per_group.append(metrics)
        if metrics["count"] >= minimum_group_size:
            selection_eligible.append("|".join(key))
        if metrics["labelledCount"] >= minimum_group_size:
            label_eligible.append("|".join(key))

    gaps = {}
    sel_mask = np.isin(keys_array, selection_eligible)
    if len(selection_eligible) >= 2:
        kwargs = {"sensitive_features": keys_array[sel_mask], "method": "between_groups"}
        dummy = np.zeros(sel_mask.sum(), dtype=int)
        gaps["demographicParityDifference"] = number(flm.demographic_parity_difference(dummy, pred[sel_mask], **kwargs))
        gaps["demographicParityRatio"] = number(flm.demographic_parity_ratio(dummy, pred[sel_mask], **kwargs))
    lab_mask = np.isin(keys_array, label_eligible) & (labels >= 0)
    if len(label_eligible) >= 2:
        kwargs = {"sensitive_features": keys_array[lab_mask], "method": "between_groups"}
        y, p = labels[lab_mask], pred[lab_mask]
        gaps["equalizedOddsDifference"] = number(flm.equalized_odds_difference(y, p, agg="worst_case", **kwargs))
        gaps["equalizedOddsRatio"] = number(flm.equalized_odds_ratio(y, p, agg="worst_case", **kwargs))
        gaps["equalOpportunityDifference"] = number(flm.equal_opportunity_difference(y, p, **kwargs))
        gaps["equalOpportunityRatio"] = number(flm.equal_opportunity_ratio(y, p, **kwargs))
    return {
        "name": name,
        "minimumGroupSize": minimum_group_size,
        "attributes": [{"name": n, "categories": c, "codes": "".join(map(str, codes.tolist()))} for n, c, codes in attributes],
        "labels": "".join("-" if v < 0 else str(v) for v in labels.tolist()),
        "predictions": "".join(map(str, pred.tolist())),
        "groups": per_group,
        "excludedFromSelectionGaps": [list(k) for k in groups if "|".join(k) not in selection_eligible],
        "excludedFromLabelGaps": [list(k) for k in groups if "|".join(k) not in label_eligible],
        "gaps": gaps,
    }


def outcomes(rng, codes, base_rate, group_shift, selection_shift, unlabelled_fraction):
    """Labels (with -1 for unlabelled rows) and predictions that depend on the group."""
    n = len(codes)
    y = (rng.random(n) < base_rate + group_shift[codes]).astype(int)
    score = rng.normal(0.3 + 0.35 * y + selection_shift[codes], 0.2)
    pred = (score >= 0.5).astype(int)
    labels = np.where(rng.random(n) < unlabelled_fraction, -1, y)
    return labels, pred


def fairness_cases(rng):
    cases = []
    n = 4000
    race = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    labels, pred = outcomes(rng, race, 0.3, np.array([0.0, 0.1, -0.1]), np.array([0.0, 0.05, -0.08]), 0.2)
    cases.append(fairness_case("one attribute, three groups", [("race", ["a", "b", "c"], race)], labels, pred, 100))

    gender = rng.choice(2, size=n)
    age = rng.choice(3, size=n, p=[0.3, 0.5, 0.2])
    combined = gender * 3 + age
    labels, pred = outcomes(rng, combined, 0.35, rng.normal(0, 0.08, 6), rng.normal(0, 0.06, 6), 0.1)
    cases.append(fairness_case("gender x age band", [("gender", ["female", "male"], gender),
                                                      ("age_band", ["18-34", "35-54", "55+"], age)], labels, pred, 100))

    # A single-member group and a group below the minimum size: reported, left out of the gaps.
    region = np.concatenate([rng.choice(2, size=1500), np.full(60, 2), np.full(1, 3)])
    labels, pred = outcomes(rng, region, 0.25, np.array([0.0, 0.05, 0.3, 0.0]), np.array([0.0, 0.1, 0.2, 0.0]), 0.15)
    cases.append(fairness_case("small groups excluded", [("region", ["north", "south", "east", "west"], region)],
                               labels, pred, 100))

    # Imbalanced labels: a rare-positive group (TPR estimated from few positives).
    segment = rng.choice(2, size=3000, p=[0.7, 0.3])
    labels, pred = outcomes(rng, segment, 0.05, np.array([0.0, 0.25]), np.array([0.0, -0.05]), 0.0)
    cases.append(fairness_case("imbalanced labels", [("segment", ["retail", "business"], segment)], labels, pred, 100))

    # Nobody selected: every selection rate and TPR is 0, so the ratios are 0/0 (null).
    tier = rng.choice(2, size=400)
    labels = (rng.random(400) < 0.3).astype(int)
    cases.append(fairness_case("nobody selected", [("tier", ["gold", "silver"], tier)], labels,
                               np.zeros(400, dtype=int), 100))

    # A low minimum size keeps every group in the gaps, including one with a single member.
    site = np.concatenate([rng.choice(3, size=600), np.full(1, 3)])
    labels, pred = outcomes(rng, site, 0.4, np.array([0.0, 0.1, 0.2, 0.0]), np.array([0.0, 0.0, 0.1, 0.0]), 0.0)
    cases.append(fairness_case("minimum size one", [("site", ["s1", "s2", "s3", "s4"], site)], labels, pred, 1))
    return cases


def main():
    rng = np.random.default_rng(5150)
    ROOT.mkdir(parents=True, exist_ok=True)
    classification = classification_cases(rng)
    (ROOT / "classification.json").write_text(json.dumps(
        {"generator": "scikit-learn, numpy", "cases": classification}, separators=(",", ":")) + "\n")
    fairness = fairness_cases(rng)
    (ROOT / "fairness.json").write_text(json.dumps(
        {"generator": "Fairlearn 0.15, scikit-learn, scipy", "z": Z, "cases": fairness}, separators=(",", ":")) + "\n")
    for case in classification:
        print(case["name"], case["expected"])
    for case in fairness:
        print(case["name"], len(case["groups"]), case["gaps"], case["excludedFromLabelGaps"])


if __name__ == "__main__":
    main()
