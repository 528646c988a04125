"""Reference dataset pair and expected `driftwatch compare` statistics.

Run once from the repository root:  /work/venv/bin/python Tests/ReferenceVectors/compare_vectors.py

Writes fixtures/compare/reference.jsonl and fixtures/compare/current.jsonl (seeded JSON lines of
prediction and label events in driftwatch's default format: labels for ~85 % of the predictions,
some before their prediction; segments gender and age_band; features `income` (normal, with nulls),
`tail` (Student t with 2 degrees of freedom: heavy tails), `age` (integers, sometimes absent from the
event) and `channel` (categorical, with a category new in the current file and nulls)), the same rows as
fixtures/compare/reference.csv and current.csv (label in the row, segment columns gender and age_band), and
fixtures/vectors/compare.json with the statistics DatasetComparison must report on them:

- drift statistics with the definitions of drift_vectors.py (numpy/scipy: decile PSI with the 1e-4
  floor, Jensen-Shannon, Hellinger, ks_2samp (asymp; `pvalue_bounds` are the p-values at D -/+ 0.003),
  wasserstein_distance / max(std R, 0.001), mean shift and std ratio with population std, chi2_contingency
  without correction, new-category rate, pooled z-test of the missing rates);
- per side: rows, missing, mean / population std / min / max, or the top categories;
- performance over the labelled predictions of each file with scikit-learn (zero_division=0), ECE as in
  metrics_vectors.py, label coverage = labelled / predictions;
- fairness of the current file (min group size 50) for gender, age_band and gender x age_band with
  Fairlearn, via metrics_vectors.fairness_case (Wilson 95 % intervals).
Undefined values are null.
"""
import csv
import json
import os
import sys

import numpy as np
from sklearn import metrics as skm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drift_vectors as dv  # noqa: E402
import metrics_vectors as mv  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MIN_GROUP_SIZE = 50
GENDERS = ["female", "male"]
AGE_BANDS = ["18-34", "35-54", "55+"]


def dataset(rng, n, prefix, shift):
    """Rows as dicts (None = null, "absent" = key left out) plus their outcomes."""
    rows = []
    for i in range(n):
        gender = GENDERS[int(rng.random() < 0.45 + 0.1 * shift)]
        age = int(rng.integers(18, 80)) + int(6 * shift * rng.random())
        band = "18-34" if age < 35 else ("35-54" if age < 55 else "55+")
        income = round(float(rng.normal(50000 + 4000 * shift, 12000)), 2)
        if rng.random() < 0.03 + 0.03 * shift:
            income = None
        tail = float(f"{float(rng.standard_t(2)) * (1 + 0.3 * shift):.6g}")
        channels = ["web", "mobile", "branch"] + (["partner"] if shift else [])
        weights = np.array([0.5, 0.3, 0.2] + ([0.15] if shift else []))
        channel = channels[int(rng.choice(len(channels), p=weights / weights.sum()))]
        if rng.random() < 0.04:
            channel = None
        logit = -0.3 + (0 if income is None else (income - 50000) / 20000) + 0.4 * (gender == "male") - 0.01 * (age - 45)
        score = round(float(1 / (1 + np.exp(-(logit + rng.normal(0, 0.8))))), 4)
        truth = int(rng.random() < 1 / (1 + np.exp(-logit)))
        rows.append({
            "id": f"{prefix}-{i}", "income": income, "tail": tail, "age": "absent" if rng.random() < 0.03 else age,
            "channel": channel, "gender": gender, "age_band": band, "score": score, "label_pred": int(score >= 0.5),
            "label": truth if rng.random() < 0.85 else None,
        })
    return rows


def write_events(rng, rows, path, start_ms):
    keyed = []
    for i, row in enumerate(rows):
        features = {"income": row["income"], "tail": row["tail"], "channel": row["channel"]}
        if row["age"] != "absent":
            features["age"] = row["age"]
        prediction = {"event": "prediction", "model": "credit", "version": "v1", "id": row["id"], "ts": start_ms + 1000 * i,
                      "features": features, "score": row["score"], "label_pred": row["label_pred"],
                      "segment": {"gender": row["gender"], "age_band": row["age_band"]}}
        keyed.append((float(i), prediction))
        if row["label"] is not None:
            offset = -float(rng.integers(1, 20)) if rng.random() < 0.1 else float(rng.integers(1, 50))
            keyed.append((i + offset + 0.5, {"event": "label", "id": row["id"], "ts": start_ms + 1000 * i + 3600000,
                                             "label": row["label"]}))
    keyed.sort(key=lambda pair: pair[0])
    with open(path, "w") as out:
        for _, event in keyed:
            out.write(json.dumps(event, separators=(",", ":")) + "\n")


def write_csv(rows, path, start_ms):
    """The same predictions as CSV (CRLF), the label in the row; segment columns gender and age_band."""
    def cell(value):
        return "" if value is None or value == "absent" else value
    with open(path, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        columns = ["income", "tail", "age", "channel", "gender", "age_band", "score", "label_pred", "label"]
        writer.writerow(["id", "ts"] + columns)
        for i, row in enumerate(rows):
            writer.writerow([row["id"], start_ms + 1000 * i] + [cell(row[c]) for c in columns])


def numeric_side(raw):
    values = np.array([v for v in raw if v is not None], dtype=float)
    return {"count": len(raw), "missing": sum(v is None for v in raw),
            "mean": float(values.mean()) if len(values) else None, "std": float(values.std()) if len(values) else None,
            "min": float(values.min()) if len(values) else None, "max": float(values.max()) if len(values) else None}


def categorical_side(raw):
    counts = {}
    for v in raw:
        if v is not None:
            counts[v] = counts.get(v, 0) + 1
    present = sum(counts.values())
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return {"count": len(raw), "missing": len(raw) - present, "distinct": len(counts), "other": 0,
            "top": [{"value": k, "count": n, "share": n / present} for k, n in top]}


def numeric_entry(r_raw, c_raw):
    stats = dv.numeric_expected(r_raw, c_raw)
    stats.pop("coarse_edges", None)
    if stats["ks"] is not None:
        stats["ks"] = {"statistic": stats["ks"]["statistic"], "pvalue_bounds": stats["ks"]["pvalue_bounds"]}
    return {"reference": numeric_side(r_raw), "current": numeric_side(c_raw), **stats}


def categorical_entry(r_raw, c_raw):
    stats = dv.categorical_expected(r_raw, c_raw)
    if stats["chi2"] is not None:
        stats["chi2"] = {"statistic": stats["chi2"]["statistic"], "pvalue": stats["chi2"]["pvalue"], "dof": stats["chi2"]["dof"]}
    return {"reference": categorical_side(r_raw), "current": categorical_side(c_raw), **stats}


def performance(rows):
    labelled = [r for r in rows if r["label"] is not None]
    y = np.array([r["label"] for r in labelled])
    p = np.array([r["label_pred"] for r in labelled])
    s = np.array([r["score"] for r in labelled])
    tn, fp, fn, tp = skm.confusion_matrix(y, p, labels=[0, 1]).ravel()
    return {
        "count": len(labelled), "accuracy": skm.accuracy_score(y, p), "precision": skm.precision_score(y, p, zero_division=0),
        "recall": skm.recall_score(y, p, zero_division=0), "fpr": float(fp / (fp + tn)), "f1": skm.f1_score(y, p, zero_division=0),
        "selection_rate": float(p.mean()), "roc_auc": skm.roc_auc_score(y, s), "brier": skm.brier_score_loss(y, s),
        "log_loss": skm.log_loss(y, s, labels=[0, 1]), "ece": mv.expected_calibration_error(y, s),
        "label_coverage": len(labelled) / len(rows),
    }


def fairness(rows):
    labels = [-1 if r["label"] is None else r["label"] for r in rows]
    pred = [r["label_pred"] for r in rows]
    columns = {"gender": GENDERS, "age_band": AGE_BANDS}
    attribute = {name: (name, cats, np.array([cats.index(r[name]) for r in rows])) for name, cats in columns.items()}
    out = {}
    for names in [["age_band"], ["gender"], ["gender", "age_band"]]:
        case = mv.fairness_case("×".join(names), [attribute[n] for n in names], labels, pred, MIN_GROUP_SIZE)
        renamed = {"truePositiveRate": "tpr", "falsePositiveRate": "fpr", "selectionRate": "selection_rate",
                   "accuracy": "accuracy", "precision": "precision"}
        groups = {}
        for group in case["groups"]:
            entry = {"count": group["count"], "labelled": group["labelledCount"]}
            for key, name in renamed.items():
                entry[name] = group.get(key)
            groups["×".join(group["key"])] = entry
        gap_names = {"demographicParityDifference": "demographic_parity_difference", "demographicParityRatio": "demographic_parity_ratio",
                     "equalizedOddsDifference": "equalized_odds_difference", "equalizedOddsRatio": "equalized_odds_ratio",
                     "equalOpportunityDifference": "equal_opportunity_difference", "equalOpportunityRatio": "equal_opportunity_ratio"}
        result = {"groups": groups}
        for key, name in gap_names.items():
            result[name] = case["gaps"].get(key)
        result["excluded_from_selection_gaps"] = ["×".join(k) for k in case["excludedFromSelectionGaps"]]
        result["excluded_from_label_gaps"] = ["×".join(k) for k in case["excludedFromLabelGaps"]]
        out["×".join(names)] = result
    return out


def column(rows, name):
    return [None if r[name] == "absent" else r[name] for r in rows]


def main():
    rng = np.random.default_rng(20261122)
    reference = dataset(rng, 600, "r", 0)
    current = dataset(rng, 600, "c", 1)
    os.makedirs(os.path.join(ROOT, "fixtures", "compare"), exist_ok=True)
    write_events(rng, reference, os.path.join(ROOT, "fixtures", "compare", "reference.jsonl"), 1_700_000_000_000)
    write_events(rng, current, os.path.join(ROOT, "fixtures", "compare", "current.jsonl"), 1_700_100_000_000)
    write_csv(reference, os.path.join(ROOT, "fixtures", "compare", "reference.csv"), 1_700_000_000_000)
    write_csv(current, os.path.join(ROOT, "fixtures", "compare", "current.csv"), 1_700_100_000_000)
    expected = {
        "min_group_size": MIN_GROUP_SIZE,
        "intersections": [["gender", "age_band"]],
        "features": [
            {"name": "age", "kind": "numeric", **numeric_entry(column(reference, "age"), column(current, "age"))},
            {"name": "channel", "kind": "categorical", **categorical_entry(column(reference, "channel"), column(current, "channel"))},
            {"name": "income", "kind": "numeric", **numeric_entry(column(reference, "income"), column(current, "income"))},
            {"name": "tail", "kind": "numeric", **numeric_entry(column(reference, "tail"), column(current, "tail"))},
        ],
        "output": {
            "score": numeric_entry(column(reference, "score"), column(current, "score")),
            "label_pred": categorical_entry([str(v) for v in column(reference, "label_pred")],
                                            [str(v) for v in column(current, "label_pred")]),
        },
        "performance": {"reference": performance(reference), "current": performance(current)},
        "fairness": fairness(current),
    }
    with open(os.path.join(ROOT, "fixtures", "vectors", "compare.json"), "w") as out:
        json.dump(expected, out, indent=1, default=float)
        out.write("\n")


if __name__ == "__main__":
    main()
