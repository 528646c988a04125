"""A multiclass triage stream with a known change, and its window values from scikit-learn
-> fixtures/streams/multiclass.jsonl and fixtures/vectors/multiclass_stream.json.

Run once from the repository root:  python Tests/ReferenceVectors/multiclass_stream.py

The stream: model triage, version v1, one prediction every 40 ms for 40 s from
2026-01-01T00:00:00Z (1,000 predictions), features f_age (years) and c_channel (phone or
web, evenly; also the segment attribute channel); the true class is urgent (20 %), routine (50 %) or refer (30 %). The model's class
probabilities are a softmax of standard-normal logits with 2.2 added to the true class's,
its predicted class their argmax -- until 20 s, from where a true urgent case gets the 2.2
on routine instead (and 0.4 on urgent): urgent's recall collapses, urgent is predicted less
and routine more (a triage model that stopped reading an input urgent cases depend on).
Probabilities are rounded to multiples of 2^-12, the last class taking the rest, so each
vector sums to exactly 1 and prints exactly. Each label (the class) arrives 500 ms after its
prediction.

The vectors: for every window of 10 panes of 1 s ([start, start + 10 s), start on a whole
second), the labelled predictions' count and scikit-learn's accuracy_score,
precision_recall_fscore_support (per class, and average="macro" / "micro" / "weighted",
zero_division=0, classes the sorted union of the window's true and predicted ones),
log_loss (labels = the three classes, probability columns in their sorted order) and brier_score_loss (scikit-learn >= 1.7's
multiclass Brier score: mean over rows of sum_k (p_k - [y = k])^2), and the channels'
accuracy gap as Fairlearn's MetricFrame(accuracy_score).difference() / .ratio() with
method="between_groups" (max - min, min / max of scikit-learn's accuracy_score per channel)
on the channels with at least 100 rows (the monitor's metric lines' minimum group size;
null with fewer than two). The first window is the stream reference.
"""

import numpy as np
from sklearn import metrics as skm

from vector_io import (CHANGE, COUNT, START, STEP, add_labelled, columns, window_gap, windows as window_masks, write_stream,
                       write_vectors)

CLASSES = ["urgent", "routine", "refer"]
SHARES = [0.2, 0.5, 0.3]
BOOST = 2.2
QUANTUM = 2.0 ** -12

rng = np.random.default_rng(14)
lines = []  # (time, order, text)
rows = []   # (time, true class, predicted class, probabilities in CLASSES order)
for index in range(COUNT):
    time = START + index * STEP
    truth = int(rng.choice(3, p=SHARES))
    logits = rng.normal(0, 1, 3)
    if time >= CHANGE and truth == 0:
        logits[1] += BOOST
        logits[0] += 0.4
    else:
        logits[truth] += BOOST
    exponentials = np.exp(logits - logits.max())
    raw = exponentials / exponentials.sum()
    first, second = (round(float(p) / QUANTUM) * QUANTUM for p in raw[:2])
    probabilities = [first, second, 1.0 - first - second]
    predicted = int(np.argmax(probabilities))
    age = int(rng.integers(18, 90))
    channel = "phone" if rng.random() < 0.5 else "web"
    identifier = f"t-{index}"
    prediction = {"event": "prediction", "model": "triage", "version": "v1", "id": identifier, "ts": time,
                  "features": {"f_age": age, "c_channel": channel}, "label_pred": CLASSES[predicted],
                  "probabilities": dict(zip(CLASSES, probabilities)), "segment": {"channel": channel}}
    add_labelled(lines, time, prediction, CLASSES[truth])
    rows.append((time, CLASSES[truth], CLASSES[predicted], probabilities, channel))
write_stream("multiclass.jsonl", lines)

times, truths, predicted, probabilities, channels = columns(rows)
windows = []
for start, end, inside in window_masks(times):
    y, p, matrix, groups = truths[inside], predicted[inside], probabilities[inside], channels[inside]
    labels = sorted(set(y) | set(p))
    per_class = skm.precision_recall_fscore_support(y, p, labels=labels, zero_division=0)
    window = {"start": start, "end": end, "count": int(inside.sum()), "accuracy": float(skm.accuracy_score(y, p))}
    for average in ["macro", "micro", "weighted"]:
        precision, recall, f1, _ = skm.precision_recall_fscore_support(y, p, labels=labels, average=average, zero_division=0)
        window[f"{average}_precision"], window[f"{average}_recall"], window[f"{average}_f1"] = float(precision), float(recall), float(f1)
    window["classes"] = {name: {"precision": float(per_class[0][i]), "recall": float(per_class[1][i]), "f1": float(per_class[2][i])}
                         for i, name in enumerate(labels)}
    # scikit-learn takes the probability columns in the sorted order of the labels.
    by_name = matrix[:, [CLASSES.index(name) for name in sorted(CLASSES)]]
    window["log_loss"] = float(skm.log_loss(y, by_name, labels=sorted(CLASSES)))
    window["brier"] = float(skm.brier_score_loss(y, by_name, labels=sorted(CLASSES)))
    window["accuracy_difference"], window["accuracy_ratio"] = window_gap(skm.accuracy_score, y, p, groups)
    windows.append(window)
vectors = {"change": CHANGE, "classes": CLASSES, "windows": windows}
write_vectors("multiclass_stream.json", vectors)
print(f"{len(lines)} lines; reference window accuracy {windows[0]['accuracy']:.3f}, urgent recall "
      f"{windows[0]['classes']['urgent']['recall']:.3f}; after the change accuracy {windows[-1]['accuracy']:.3f}, "
      f"urgent recall {windows[-1]['classes']['urgent']['recall']:.3f}, macro F1 {windows[0]['macro_f1']:.3f} -> {windows[-1]['macro_f1']:.3f}")
