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

import numpy as np
from sklearn import metrics as skm

from vector_io import (CHANGE, COUNT, START, STEP, add_labelled, columns, house_features, house_prediction, window_gap,
                       windows as window_masks, write_stream, write_vectors)

SHIFT = 25_000.0
ERROR_SD = {"north": 6_000.0, "south": 12_000.0}

rng = np.random.default_rng(20)
lines = []  # (time, order, text)
rows = []   # (time, prediction, label)
for index in range(COUNT):
    time = START + index * STEP
    rooms, area, region = house_features(rng)
    price = round(200_000 + 10_000 * (rooms - 3.5) + 400 * (area - 80) + float(rng.normal(0, 8_000)), 2)
    predicted = price + float(rng.normal(0, ERROR_SD[region])) + (SHIFT if time >= CHANGE else 0.0)
    predicted = round(predicted, 2)
    identifier = f"h-{index}"
    add_labelled(lines, time, house_prediction(identifier, time, rooms, area, predicted, region), price)
    rows.append((time, predicted, price, region))
write_stream("regression.jsonl", lines)

times, predictions, labels, regions = columns(rows)
windows = []
for start, end, inside in window_masks(times):
    y, p, groups = labels[inside], predictions[inside], regions[inside]
    difference, ratio = window_gap(skm.mean_absolute_error, y, p, groups)
    windows.append({
        "start": start, "end": end, "count": int(inside.sum()),
        "mae": float(skm.mean_absolute_error(y, p)),
        "rmse": float(np.sqrt(skm.mean_squared_error(y, p))),
        "mape": float(skm.mean_absolute_percentage_error(y, p)),
        "bias": float(np.mean(p - y)),
        "r2": float(skm.r2_score(y, p)),
        "mae_difference": difference, "mae_ratio": ratio,
    })
vectors = {"change": CHANGE, "shift": SHIFT, "windows": windows}
write_vectors("regression_stream.json", vectors)
print(f"{len(lines)} lines; reference window MAE {windows[0]['mae']:.1f}, bias {windows[0]['bias']:.1f}; "
      f"after the change MAE {windows[-1]['mae']:.1f}, bias {windows[-1]['bias']:.1f}")
