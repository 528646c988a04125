#!/usr/bin/env python3
"""Public datasets held out from tuning (issues 9 and 14): NannyML's synthetic car-loan
dataset (a binary classifier) and its synthetic car-price dataset (a regression model) as
driftwatch events, each with a manifest of its changes.

The data ship inside the `nannyml` package (no download):

    python3 -m venv .venv && .venv/bin/pip install nannyml
    .venv/bin/python Tests/ReferenceVectors/public_datasets.py

writes fixtures/public/{car_loan,car_price,credit_card}.events.jsonl.gz and .manifest.json.
Only the CSV files under nannyml/datasets/data are read (importing nannyml itself is not
needed), with the csv module: the script is deterministic and needs no third-party code.

The dataset (`nannyml.load_synthetic_car_loan_dataset()`): a binary classifier of whether
a car loan is repaid; 50,000 reference rows (2018-01-01 .. 2018-10-30, with targets) and
50,000 analysis rows (2018-10-30 .. 2019-08-29, targets in a separate file), one row every
8 min 43 s (~6.9 predictions per hour). NannyML's tutorials show drift in the second half
of the analysis period (univariate drift on car_value, salary_range, loan_length,
repaid_loan_on_prev_car; realised performance falling). This script measures every
column before and after the change point itself and writes the measured effects into the
manifest, so what counts as "documented" is checked, not assumed.

Subsample (to keep the committed fixture small): the last 20,000 reference rows (ids
30000-49999) and analysis ids 62500-82499, so the change (at analysis id 75000, found from
the data below) falls 12,500 rows into the monitored part and 7,500 rows follow it. Times
are the dataset's own. Labels: one label event per row, `repaid` as 0/1, arriving a
pseudo-random 1-72 hours after the prediction (the dataset has no label times; fixed seed).

The car-price dataset (`nannyml.load_synthetic_car_price_dataset()`): a regression model of
a used car's price; 60,000 reference rows (2017-01-24 .. 2017-02-16, with targets) and
60,000 analysis rows (2017-02-16 .. 2017-03-11, targets separate), one row every 33.6 s
(~107 predictions per hour). From analysis id 90000 the fuel mix changes (diesel 0.30 ->
0.45) and the model's absolute error falls (MAE ~850 -> ~700): a change a monitor should
show as input drift, not as an alert on error growth. Subsample: reference ids 40000-59999
and analysis ids 80000-99999 (the change 10,000 rows into the monitored part). Predictions
log `prediction` (the model's price), labels the true price; labels 1-72 hours late.

The credit-card dataset (`nannyml.load_synthetic_multiclass_classification_dataset()`): a
multiclass classifier choosing one of three credit cards (prepaid_card, highstreet_card,
upmarket_card) with a probability for each; 60,000 reference rows (2020-05-02 ..
2020-09-01, with targets) and 60,000 analysis rows (2020-09-01 .. 2021-01-01, targets
separate), one row every ~2 min (~20 predictions per hour). From analysis id 90000 the
acquisition-channel mix changes, the model predicts highstreet_card more often and its
accuracy falls from ~0.76 to ~0.56 (measured below). Subsample: reference ids 40000-59999
and analysis ids 80000-99999 (the change 10,000 rows into the monitored part). Predictions
log the predicted class as text in `label_pred` and the class probabilities in
`probabilities`; labels the true class as text, 1-72 hours late.
"""
import csv
import gzip
import json
import math
import os
import random
import sys
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "fixtures", "public")
NUMERIC = ["car_value", "debt_to_income_ratio", "loan_length", "driver_tenure"]
CATEGORICAL = ["salary_range", "repaid_loan_on_prev_car", "size_of_downpayment"]
FEATURES = ["car_value", "salary_range", "debt_to_income_ratio", "loan_length",
            "repaid_loan_on_prev_car", "size_of_downpayment", "driver_tenure"]
REFERENCE_IDS = range(30000, 50000)
ANALYSIS_IDS = range(62500, 82500)
CHANGE_ID = 75000


def data_dir():
    for path in sys.path:
        candidate = os.path.join(path, "nannyml", "datasets", "data")
        if os.path.isdir(candidate):
            return candidate
    venv = os.path.join(ROOT, ".venv", "lib")
    for version in sorted(os.listdir(venv)) if os.path.isdir(venv) else []:
        candidate = os.path.join(venv, version, "site-packages", "nannyml", "datasets", "data")
        if os.path.isdir(candidate):
            return candidate
    sys.exit("nannyml is not installed: python3 -m venv .venv && .venv/bin/pip install nannyml")


def read(name):
    with open(os.path.join(data_dir(), name), newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def millis(text):
    layout = "%Y-%m-%d %H:%M:%S.%f" if "." in text else "%Y-%m-%d %H:%M:%S"
    stamp = datetime.strptime(text, layout).replace(tzinfo=timezone.utc)
    return int(round(stamp.timestamp() * 1000))


def value(name, text):
    if text == "":
        return None
    if name in ("repaid_loan_on_prev_car",):
        return text == "True"
    if name in NUMERIC:
        number = float(text)
        return int(number) if number.is_integer() else round(number, 6)
    return text


def psi(reference, current, bins=10):
    """PSI over reference-quantile bins (floor 1e-4), as driftwatch computes it."""
    ordered = sorted(reference)
    edges = [ordered[int(len(ordered) * q / bins)] for q in range(1, bins)]
    def shares(values):
        counts = [0] * bins
        for v in values:
            index = sum(1 for e in edges if v > e)
            counts[index] += 1
        return [max(c / len(values), 1e-4) for c in counts]
    p, q = shares(reference), shares(current)
    return sum((b - a) * math.log(b / a) for a, b in zip(p, q))


def categorical_psi(reference, current):
    keys = sorted(set(reference) | set(current), key=str)
    def shares(values):
        return [max(sum(1 for v in values if v == k) / len(values), 1e-4) for k in keys]
    p, q = shares(reference), shares(current)
    return sum((b - a) * math.log(b / a) for a, b in zip(p, q))


def mean(values):
    return sum(values) / len(values)


def sd(values):
    m = mean(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def main():
    car_loan()
    car_price()
    credit_card()


def write_events(name, events):
    """The events in event-time order, gzipped deterministically; returns the path."""
    events.sort(key=lambda item: (item[0], item[1], item[2]))
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, f"{name}.events.jsonl.gz")
    # mtime=0 and a fixed name: the same input always gives the same bytes.
    with open(path, "wb") as raw, gzip.GzipFile(filename=f"{name}.events.jsonl", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as handle:
        for _, _, _, event in events:
            handle.write((json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
    return path


def write_manifest(name, manifest):
    with open(os.path.join(OUT_DIR, f"{name}.manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")


def load_split(reference_file, analysis_file, targets_file, target, reference_ids, analysis_ids):
    """The reference rows, the analysis rows with their targets joined, and the subsample."""
    reference = read(reference_file)
    analysis = read(analysis_file)
    targets = {row["id"]: row[target] for row in read(targets_file)}
    for row in analysis:
        row[target] = targets[row["id"]]
    rows = [r for r in reference if int(r["id"]) in reference_ids] + [r for r in analysis if int(r["id"]) in analysis_ids]
    return reference, analysis, rows


def stream_events(rows, model, first_analysis_id, seed, outputs, label):
    """A prediction per row at its own time (`outputs(row)`: features and model outputs),
    and its label (`label(row)`) a pseudo-random 1-72 hours later."""
    random_source = random.Random(seed)
    events = []
    for row in rows:
        identifier = int(row["id"])
        prefix = "r" if identifier < first_analysis_id else "p"
        ts = millis(row["timestamp"])
        prediction = {"event": "prediction", "model": model, "version": "v1", "id": f"{prefix}-{identifier}", "ts": ts, **outputs(row)}
        events.append((ts, 0, identifier, prediction))
        label_ts = ts + int(random_source.uniform(1, 72) * 3_600_000)
        events.append((label_ts, 1, identifier, {"event": "label", "id": f"{prefix}-{identifier}", "ts": label_ts, "label": label(row)}))
    return events


def shares(values, keys):
    return {k: round(sum(1 for v in values if v == k) / len(values), 4) for k in keys}


def measure_around(reference, analysis, change_id, features, categorical):
    """The analysis rows after and before the change, the change's time, and every
    feature's effect (reference against after, and against the analysis before it)."""
    after = [r for r in analysis if int(r["id"]) >= change_id]
    pre_change_analysis = [r for r in analysis if int(r["id"]) < change_id]
    change_ts = millis(next(r["timestamp"] for r in analysis if int(r["id"]) == change_id))
    effects = {}
    for name in features:
        a, b, c = ([r[name] for r in part if r[name] != ""] for part in (reference, after, pre_change_analysis))
        if name in categorical:
            effects[name] = {"psi": categorical_psi(a, b), "psi_before_change": categorical_psi(a, c),
                             "shares_before": shares(a, sorted(set(a))), "shares_after": shares(b, sorted(set(b)))}
        else:
            a, b, c = ([float(v) for v in part] for part in (a, b, c))
            effects[name] = {"mean_shift_sd": (mean(b) - mean(a)) / sd(a), "std_ratio": sd(b) / sd(a),
                             "psi": psi(a, b), "psi_before_change": psi(a, c)}
    return after, pre_change_analysis, change_ts, effects


def feature_changes(features, categorical, effects, change_ts, numeric_kind):
    """The features whose PSI passes 0.02, required from 0.1 (CategoricalMixDrift's size)."""
    changes = []
    for name in features:
        effect = effects[name]
        if effect["psi"] > 0.02:
            kind, rule = (("category_mix", "CategoricalMixDrift") if name in categorical else (numeric_kind, "NumericFeatureDrift"))
            changes.append({"kind": kind, "subject": name, "rule": rule, "start": change_ts, "effect": effect,
                            "required": effect["psi"] >= 0.1})
    return changes


def finish(name, header, rows, reference_ids, analysis_ids, change_ts, changes, features, effects, path, events, extra_controls=()):
    """Completes the manifest (`header`: source, model, ...) with the subsample's bounds, the
    changes and the controls (the features no change names), writes it and prints a summary."""
    changed = {c["subject"] for c in changes}
    manifest = dict(header, **{
        "reference_ids": [reference_ids.start, reference_ids.stop - 1],
        "analysis_ids": [analysis_ids.start, analysis_ids.stop - 1],
        "reference_end": max(millis(r["timestamp"]) for r in rows if int(r["id"]) < reference_ids.stop) + 1,
        "analysis_start": min(millis(r["timestamp"]) for r in rows if int(r["id"]) >= reference_ids.stop),
        "change_start": change_ts,
        "label_delay_hours": [1, 72],
        "predictions": len(rows),
        "changes": changes,
        "controls": [name for name in features if name not in changed] + list(extra_controls),
        "effects": effects,
    })
    write_manifest(name, manifest)
    print(f"{path}: {len(events)} events, {os.path.getsize(path)} bytes")
    for change in changes:
        print(change["kind"], change["subject"], "required" if change["required"] else "reported", json.dumps(change["effect"])[:160])
    if "model" in effects:
        print("model:", json.dumps(effects["model"]))
    print("controls:", manifest["controls"])


def car_loan():
    reference, analysis, rows = load_split("synthetic_car_loan_reference.csv", "synthetic_car_loan_analysis.csv",
                                           "synthetic_car_loan_analysis_target.csv", "repaid", REFERENCE_IDS, ANALYSIS_IDS)
    events = stream_events(
        rows, "car-loan", 50000, 20181030,
        lambda row: {"features": {name: value(name, row[name]) for name in FEATURES},
                     "score": float(row["y_pred_proba"]), "label_pred": int(float(row["y_pred"]))},
        lambda row: int(float(row["repaid"])))
    path = write_events("car_loan", events)

    # Measure every column and the model before and after the change, on the full dataset
    # (all 25,000 analysis rows either side of the change; reference = all 50,000 rows).
    before = reference
    after, pre_change_analysis, change_ts, effects = measure_around(reference, analysis, CHANGE_ID, NUMERIC + CATEGORICAL, CATEGORICAL)
    score_a = [float(r["y_pred_proba"]) for r in before]
    score_b = [float(r["y_pred_proba"]) for r in after]
    effects["score"] = {"psi": psi(score_a, score_b), "mean_shift": mean(score_b) - mean(score_a),
                        "psi_before_change": psi(score_a, [float(r["y_pred_proba"]) for r in pre_change_analysis])}
    def accuracy(rows):
        return sum(1 for r in rows if int(float(r["y_pred"])) == int(float(r["repaid"]))) / len(rows)
    effects["model"] = {"accuracy_reference": accuracy(before), "accuracy_before_change": accuracy(pre_change_analysis),
                        "accuracy_after_change": accuracy(after), "accuracy_drop": accuracy(before) - accuracy(after)}

    # The changes, with the rule meant to flag each and whether the grid's sizes make it
    # required: a location shift >= 0.5 sd, a PSI >= 0.1 for a mix change, an accuracy drop
    # >= 0.05 (AccuracyDrop's size). A smaller drop is reported, not required: at ~7
    # predictions an hour the monitor's windows hold ~500 labels, on which a drop of 0.03 is
    # about 1.4 standard errors (sampling noise), and the noise gate rightly holds it back.
    changes = []
    def add(kind, subject, rule, required, effect):
        changes.append({"kind": kind, "subject": subject, "rule": rule, "start": change_ts, "required": required, "effect": effect})
    for name in NUMERIC:
        e = effects[name]
        if e["psi"] > 0.02:
            add("location_shift", name, "NumericFeatureDrift", abs(e["mean_shift_sd"]) >= 0.5 or e["psi"] >= 0.1, e)
    changes += feature_changes(CATEGORICAL, CATEGORICAL, effects, change_ts, None)
    if effects["score"]["psi"] > 0.02:
        add("score_drift", "score", "ScoreDrift", effects["score"]["psi"] >= 0.1, effects["score"])
    if effects["model"]["accuracy_drop"] > 0.01:
        add("small_accuracy_drop", "model", "AccuracyDrop", effects["model"]["accuracy_drop"] >= 0.05, effects["model"])
    header = {"source": "nannyml " + package_version() + ": load_synthetic_car_loan_dataset() (synthetic_car_loan_reference.csv, "
                        "synthetic_car_loan_analysis.csv, synthetic_car_loan_analysis_target.csv)",
              "model": "car-loan", "version": "v1"}
    finish("car_loan", header, rows, REFERENCE_IDS, ANALYSIS_IDS, change_ts, changes, FEATURES, effects, path, events)


CAR_PRICE_FEATURES = ["car_age", "km_driven", "price_new", "accident_count", "door_count", "fuel", "transmission"]
CAR_PRICE_CATEGORICAL = ["fuel", "transmission"]
CAR_PRICE_REFERENCE_IDS = range(40000, 60000)
CAR_PRICE_ANALYSIS_IDS = range(80000, 100000)
CAR_PRICE_CHANGE_ID = 90000


def number(text):
    value = float(text)
    return int(value) if value.is_integer() else round(value, 6)


def car_price():
    reference, analysis, rows = load_split("regression_synthetic_reference.csv", "regression_synthetic_analysis.csv",
                                           "regression_synthetic_analysis_targets.csv", "y_true",
                                           CAR_PRICE_REFERENCE_IDS, CAR_PRICE_ANALYSIS_IDS)
    events = stream_events(
        rows, "car-price", 60000, 20170228,
        lambda row: {"features": {name: row[name] if name in CAR_PRICE_CATEGORICAL else number(row[name]) for name in CAR_PRICE_FEATURES},
                     "prediction": number(row["y_pred"])},
        lambda row: number(row["y_true"]))
    path = write_events("car_price", events)

    # Every column and the model before and after the change, on the full dataset.
    before = reference
    after, pre_change_analysis, change_ts, effects = measure_around(
        reference, analysis, CAR_PRICE_CHANGE_ID, CAR_PRICE_FEATURES, CAR_PRICE_CATEGORICAL)
    predicted = [[float(r["y_pred"]) for r in part] for part in (before, after, pre_change_analysis)]
    effects["prediction"] = {"psi": psi(predicted[0], predicted[1]), "psi_before_change": psi(predicted[0], predicted[2]),
                             "mean_shift_sd": (mean(predicted[1]) - mean(predicted[0])) / sd(predicted[0])}
    def mae(part):
        return mean([abs(float(r["y_pred"]) - float(r["y_true"])) for r in part])
    def bias(part):
        return mean([float(r["y_pred"]) - float(r["y_true"]) for r in part])
    effects["model"] = {"mae_reference": mae(before), "mae_before_change": mae(pre_change_analysis), "mae_after_change": mae(after),
                        "bias_reference": bias(before), "bias_after_change": bias(after)}

    # Required: an input mix change with PSI >= 0.1 (CategoricalMixDrift's size). The error
    # falls, so an error-growth rule must stay quiet (listed as a control).
    changes = feature_changes(CAR_PRICE_FEATURES, CAR_PRICE_CATEGORICAL, effects, change_ts, "location_shift")
    header = {"source": "nannyml " + package_version() + ": load_synthetic_car_price_dataset() (regression_synthetic_reference.csv, "
                        "regression_synthetic_analysis.csv, regression_synthetic_analysis_targets.csv)",
              "model": "car-price", "version": "v1", "type": "regression"}
    finish("car_price", header, rows, CAR_PRICE_REFERENCE_IDS, CAR_PRICE_ANALYSIS_IDS, change_ts, changes, CAR_PRICE_FEATURES,
           effects, path, events, extra_controls=["mae_growth"])


CREDIT_CARD_FEATURES = ["acq_channel", "app_behavioral_score", "requested_credit_limit", "app_channel",
                        "credit_bureau_score", "stated_income", "is_customer"]
CREDIT_CARD_CATEGORICAL = ["acq_channel", "app_channel", "is_customer"]
CREDIT_CARD_CLASSES = ["prepaid_card", "highstreet_card", "upmarket_card"]
CREDIT_CARD_REFERENCE_IDS = range(40000, 60000)
CREDIT_CARD_ANALYSIS_IDS = range(80000, 100000)
CREDIT_CARD_CHANGE_ID = 90000


def multiclass_scores(part):
    """Accuracy and macro precision, recall and F1 (scikit-learn's definitions, zero_division=0)."""
    scores = {"accuracy": mean([1.0 if r["y_pred"] == r["y_true"] else 0.0 for r in part])}
    precision, recall, f1 = [], [], []
    for name in CREDIT_CARD_CLASSES:
        tp = sum(1 for r in part if r["y_pred"] == name and r["y_true"] == name)
        predicted = sum(1 for r in part if r["y_pred"] == name)
        actual = sum(1 for r in part if r["y_true"] == name)
        p = tp / predicted if predicted else 0.0
        q = tp / actual if actual else 0.0
        precision.append(p)
        recall.append(q)
        f1.append(2 * p * q / (p + q) if p + q else 0.0)
    scores.update(macro_precision=mean(precision), macro_recall=mean(recall), macro_f1=mean(f1))
    return scores


def credit_card():
    reference, analysis, rows = load_split("mc_reference.csv", "mc_analysis.csv", "mc_analysis_gt.csv", "y_true",
                                           CREDIT_CARD_REFERENCE_IDS, CREDIT_CARD_ANALYSIS_IDS)
    def feature(name, text):
        if text == "":
            return None
        if name == "is_customer":
            return text == "True"
        return text if name in CREDIT_CARD_CATEGORICAL else number(text)
    events = stream_events(
        rows, "credit-card", 60000, 20200901,
        lambda row: {"features": {name: feature(name, row[name]) for name in CREDIT_CARD_FEATURES}, "label_pred": row["y_pred"],
                     "probabilities": {name: number(row[f"y_pred_proba_{name}"]) for name in CREDIT_CARD_CLASSES}},
        lambda row: row["y_true"])
    path = write_events("credit_card", events)

    before = reference
    after, pre_change_analysis, change_ts, effects = measure_around(
        reference, analysis, CREDIT_CARD_CHANGE_ID, CREDIT_CARD_FEATURES, CREDIT_CARD_CATEGORICAL)
    predicted = [[r["y_pred"] for r in part] for part in (before, after, pre_change_analysis)]
    effects["predicted_class"] = {
        "psi": categorical_psi(predicted[0], predicted[1]), "psi_before_change": categorical_psi(predicted[0], predicted[2]),
        "shares_before": shares(predicted[0], CREDIT_CARD_CLASSES), "shares_after": shares(predicted[1], CREDIT_CARD_CLASSES)}
    effects["model"] = {"reference": multiclass_scores(before), "before_change": multiclass_scores(pre_change_analysis),
                        "after_change": multiclass_scores(after)}

    # Required: an input mix change with PSI >= 0.1 (CategoricalMixDrift's size), and the
    # accuracy drop (>= 0.05, AccuracyDrop's size); the class mix change is reported. The
    # numeric features keep their means and narrow (std ratio ~0.8-0.9).
    changes = feature_changes(CREDIT_CARD_FEATURES, CREDIT_CARD_CATEGORICAL, effects, change_ts, "spread_change")
    drop = effects["model"]["reference"]["accuracy"] - effects["model"]["after_change"]["accuracy"]
    if drop > 0.01:
        changes.append({"kind": "accuracy_drop", "subject": "model", "rule": "AccuracyDrop", "start": change_ts,
                        "effect": {"accuracy_drop": drop}, "required": drop >= 0.05})
    if effects["predicted_class"]["psi"] > 0.02:
        changes.append({"kind": "class_mix", "subject": "predicted_class", "rule": "PredictedClassDrift", "start": change_ts,
                        "effect": effects["predicted_class"], "required": effects["predicted_class"]["psi"] >= 0.1})
    header = {"source": "nannyml " + package_version() + ": load_synthetic_multiclass_classification_dataset() (mc_reference.csv, "
                        "mc_analysis.csv, mc_analysis_gt.csv)",
              "model": "credit-card", "version": "v1", "type": "multiclass", "classes": CREDIT_CARD_CLASSES}
    finish("credit_card", header, rows, CREDIT_CARD_REFERENCE_IDS, CREDIT_CARD_ANALYSIS_IDS, change_ts, changes, CREDIT_CARD_FEATURES,
           effects, path, events)


def package_version():
    directory = os.path.dirname(data_dir())
    site = os.path.dirname(os.path.dirname(directory))
    for entry in os.listdir(site):
        if entry.startswith("nannyml-") and entry.endswith(".dist-info"):
            return entry[len("nannyml-"):-len(".dist-info")]
    return "unknown"


if __name__ == "__main__":
    main()
