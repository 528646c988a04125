"""A house-price stream with a known change, and its window values from scikit-learn ->
fixtures/streams/regression.jsonl and fixtures/vectors/regression_stream.json.

Run once from the repository root:  python Tests/ReferenceVectors/regression_stream.py

The stream: model house-price, version v1, one prediction every 40 ms for 40 s from
2026-01-01T00:00:00Z (1,000 predictions), features f_rooms (1-6) and f_area (m2), segment
region (north or south, evenly); the price is 200,000 + 10,000 (rooms - 3.5) + 400 (area -
80) + noise (sd 8,000), about 22,000 of spread, and the model predicts it with an error of
sd 6,000 in the north and 12,000 in the south -- until 20 s, from where every prediction is
25,000 too high (a bias shift of about one spread: a mis-scaled
input upstream, a stale price index). Each label (the sale price) arrives 500 ms after
its prediction. Prices are rounded to cents; the references are computed on the rounded
values, as the monitor reads them.

The vectors: for every window of 10 panes of 1 s ([start, start + 10 s), start on a whole
second), the labelled predictions' count and scikit-learn's mean_absolute_error,
root of mean_squared_error, mean_absolute_percentage_error and r2_score, numpy's
mean of (prediction - label) as the bias, and the regions' MAE gap as Fairlearn's
MetricFrame(mean_absolute_error).difference() / .ratio() with method="between_groups" on
the regions with at least 100 rows (the monitor's metric lines' minimum group size; null
with fewer than two such regions). The first window is the stream reference.
"""

import json
import pathlib

import numpy as np
from sklearn import metrics as skm

ROOT = pathlib.Path(__file__).resolve().parents[2]
START = 1_767_225_600_000  # 2026-01-01T00:00:00Z
STEP = 40
COUNT = 1_000
CHANGE = START + 20_000
SHIFT = 25_000.0
LABEL_DELAY = 500
PANE = 1_000
PANES_PER_WINDOW = 10
MINIMUM_GROUP_SIZE = 100
ERROR_SD = {"north": 6_000.0, "south": 12_000.0}

rng = np.random.default_rng(20)
lines = []  # (time, order, text)
rows = []   # (time, prediction, label)
for index in range(COUNT):
    time = START + index * STEP
    rooms = int(rng.integers(1, 7))
    area = round(float(rng.normal(80, 25)), 1)
    region = "north" if rng.random() < 0.5 else "south"
    price = round(200_000 + 10_000 * (rooms - 3.5) + 400 * (area - 80) + float(rng.normal(0, 8_000)), 2)
    predicted = price + float(rng.normal(0, ERROR_SD[region])) + (SHIFT if time >= CHANGE else 0.0)
    predicted = round(predicted, 2)
    identifier = f"h-{index}"
    prediction = {"event": "prediction", "model": "house-price", "version": "v1", "id": identifier, "ts": time,
                  "features": {"f_rooms": rooms, "f_area": area}, "prediction": predicted, "segment": {"region": region}}
    label = {"event": "label", "id": identifier, "ts": time + LABEL_DELAY, "label": price}
    lines.append((time, 0, json.dumps(prediction, separators=(",", ":"))))
    lines.append((time + LABEL_DELAY, 1, json.dumps(label, separators=(",", ":"))))
    rows.append((time, predicted, price, region))
lines.sort(key=lambda line: (line[0], line[1]))
(ROOT / "fixtures" / "streams" / "regression.jsonl").write_text("".join(text + "\n" for _, _, text in lines))

times = np.array([row[0] for row in rows])
predictions = np.array([row[1] for row in rows])
labels = np.array([row[2] for row in rows])
regions = np.array([row[3] for row in rows])
windows = []
for first in range(0, (COUNT * STEP) // PANE - PANES_PER_WINDOW + 1):
    start = START + first * PANE
    end = start + PANES_PER_WINDOW * PANE
    inside = (times >= start) & (times < end)
    y, p, groups = labels[inside], predictions[inside], regions[inside]
    errors = [skm.mean_absolute_error(y[groups == g], p[groups == g])
              for g in sorted(set(groups)) if (groups == g).sum() >= MINIMUM_GROUP_SIZE]
    windows.append({
        "start": start, "end": end, "count": int(inside.sum()),
        "mae": float(skm.mean_absolute_error(y, p)),
        "rmse": float(np.sqrt(skm.mean_squared_error(y, p))),
        "mape": float(skm.mean_absolute_percentage_error(y, p)),
        "bias": float(np.mean(p - y)),
        "r2": float(skm.r2_score(y, p)),
        "mae_difference": float(max(errors) - min(errors)) if len(errors) >= 2 else None,
        "mae_ratio": float(min(errors) / max(errors)) if len(errors) >= 2 else None,
    })
vectors = {"change": CHANGE, "shift": SHIFT, "windows": windows}
(ROOT / "fixtures" / "vectors" / "regression_stream.json").write_text(json.dumps(vectors, indent=1) + "\n")
print(f"{len(lines)} lines; reference window MAE {windows[0]['mae']:.1f}, bias {windows[0]['bias']:.1f}; "
      f"after the change MAE {windows[-1]['mae']:.1f}, bias {windows[-1]['bias']:.1f}")
