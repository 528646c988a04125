"""A multiclass classifier's dataset pair and what `driftwatch compare` must report on it.

Run once from the repository root:  python Tests/ReferenceVectors/compare_multiclass_vectors.py

Writes fixtures/compare/multiclass_reference.jsonl and multiclass_current.jsonl (seeded JSON lines
of prediction and label events of model triage, a multiclass classifier: `label_pred` one of
urgent, routine, refer with `probabilities` (multiples of 2^-12 summing to exactly 1; 5 % of the
current predictions have none), class labels for ~90 % of the predictions, some before their
prediction; feature f_age, segment channel: web, phone, or rarely fax; in the current file a true
urgent case on the phone is often read as routine) and fixtures/vectors/compare_multiclass.json:

- performance of each side over its labelled predictions with scikit-learn: count,
  accuracy_score, precision_recall_fscore_support with average="macro" (precision, recall, F1),
  "micro" and "weighted" (F1), zero_division=0 over the union of true and predicted classes,
  log_loss and brier_score_loss (multiclass, scikit-learn >= 1.7) over the labelled predictions
  with probabilities (columns in sorted class order), label coverage = labelled / predictions;
  and the difference current - reference of each but the count;
- per class of each side: support, precision, recall, F1 (precision_recall_fscore_support), and
  the difference current - reference of the three rates;
- per-group accuracy of the current file by channel: each group's labelled count and
  accuracy_score, and Fairlearn's MetricFrame(accuracy_score) between-groups difference
  (max - min) and ratio (min / max) over the groups with at least 50 labelled predictions
  (the others listed as excluded).
"""
import json

import numpy as np
from sklearn import metrics as skm

from vector_io import ROOT, compact, group_fairness, maybe_label, write_lines, write_vectors

CLASSES = ["urgent", "routine", "refer"]
SHARES = [0.2, 0.5, 0.3]
QUANTUM = 2.0 ** -12
MIN_GROUP_SIZE = 50


def side(rng, n, prefix, path, start_ms, drifted=False):
    lines, labelled = [], []
    predictions = 0
    for index in range(n):
        truth = int(rng.choice(3, p=SHARES))
        draw = rng.random()
        channel = "fax" if draw < 0.04 else ("phone" if draw < 0.52 else "web")
        logits = rng.normal(0, 1, 3)
        if drifted and truth == 0 and channel == "phone":
            logits[1] += 2.2
        else:
            logits[truth] += 2.2
        exponentials = np.exp(logits - logits.max())
        raw = exponentials / exponentials.sum()
        first, second = (round(float(p) / QUANTUM) * QUANTUM for p in raw[:2])
        probabilities = [first, second, 1.0 - first - second]
        predicted = CLASSES[int(np.argmax(probabilities))]
        with_probabilities = not (drifted and rng.random() < 0.05)
        identifier = f"{prefix}-{index}"
        time = start_ms + 1000 * index
        prediction = {"event": "prediction", "model": "triage", "version": "v1", "id": identifier, "ts": time,
                      "features": {"f_age": int(rng.integers(18, 90))}, "label_pred": predicted}
        if with_probabilities:
            prediction["probabilities"] = dict(zip(CLASSES, probabilities))
        prediction["segment"] = {"channel": channel}
        events = [prediction]
        predictions += 1
        if maybe_label(rng, events, identifier, time, CLASSES[truth]):
            labelled.append((CLASSES[truth], predicted, probabilities if with_probabilities else None, channel))
        lines += [compact(event) for event in events]
    write_lines(path, lines)

    y = np.array([row[0] for row in labelled])
    p = np.array([row[1] for row in labelled])
    labels = sorted(set(y) | set(p))
    metrics = {"count": len(labelled), "accuracy": float(skm.accuracy_score(y, p))}
    for average, names in [("macro", ["precision", "recall", "f1"]), ("micro", ["f1"]), ("weighted", ["f1"])]:
        values = dict(zip(["precision", "recall", "f1"],
                          skm.precision_recall_fscore_support(y, p, labels=labels, average=average, zero_division=0)[:3]))
        for name in names:
            metrics[f"{average}_{name}"] = float(values[name])
    with_probabilities = [row for row in labelled if row[2] is not None]
    truths = [row[0] for row in with_probabilities]
    # scikit-learn takes the probability columns in the sorted order of the labels.
    matrix = np.array([[row[2][CLASSES.index(name)] for name in sorted(CLASSES)] for row in with_probabilities])
    metrics["log_loss"] = float(skm.log_loss(truths, matrix, labels=sorted(CLASSES)))
    metrics["brier"] = float(skm.brier_score_loss(truths, matrix, labels=sorted(CLASSES)))
    metrics["label_coverage"] = len(labelled) / predictions

    precision, recall, f1, support = skm.precision_recall_fscore_support(y, p, labels=labels, zero_division=0)
    classes = {name: {"support": int(support[i]), "precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i])}
               for i, name in enumerate(labels)}

    groups = np.array([row[3] for row in labelled])
    fairness = group_fairness(groups, lambda inside: {"accuracy": float(skm.accuracy_score(y[inside], p[inside]))},
                              "accuracy", MIN_GROUP_SIZE)
    return metrics, classes, fairness


rng = np.random.default_rng(31)
reference, reference_classes, _ = side(rng, 300, "r", ROOT / "fixtures" / "compare" / "multiclass_reference.jsonl", 1_767_225_600_000)
current, current_classes, current_fairness = side(rng, 250, "c", ROOT / "fixtures" / "compare" / "multiclass_current.jsonl",
                                                  1_767_325_600_000, drifted=True)
expected = {
    "performance": {"reference": reference, "current": current,
                    "difference": {key: current[key] - reference[key] for key in reference if key != "count"}},
    "classes": {"reference": reference_classes, "current": current_classes,
                "difference": {name: {rate: current_classes[name][rate] - reference_classes[name][rate]
                                      for rate in ["precision", "recall", "f1"]}
                               for name in sorted(set(reference_classes) & set(current_classes))}},
    "min_group_size": MIN_GROUP_SIZE,
    "fairness": {"channel": current_fairness},
}
write_vectors("compare_multiclass.json", expected)
print(json.dumps(expected, indent=1))
