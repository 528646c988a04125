"""Residual drift: samples and a stream whose errors change while its predictions do not,
with scipy's values -> fixtures/vectors/residual_drift.json and
fixtures/streams/regression_concept.jsonl.

Run once from the repository root:  python Tests/ReferenceVectors/residual_drift.py

Residuals are label - prediction. The statistics, computed on the raw residuals:
- ks: scipy.stats.ks_2samp(current, reference).statistic;
- psi: the reference's deciles by numpy.quantile (linear), bins closed on the right
  (numpy.searchsorted(edges, x, side="left")), proportions floored at 1e-4 with no
  renormalisation, sum of (c - r) ln(c / r) (Evidently's psi stattest).

Samples (for ResidualHistogram): house-price errors (sd 8,000) against the same errors
shifted by 2,000 and against errors of sd 20,000; integer demand residuals (-4..4, many
ties and zeros) against a skewed mix; identical samples.

The stream: model house-price, version v1, one prediction every 40 ms for 40 s from
2026-01-01T00:00:00Z (1,000 predictions), features f_rooms and f_area, segment region; the
model's prediction is 200,000 + 10,000 (rooms - 3.5) + 400 (area - 80) and the sale price
(the label, 500 ms later) differs from it by noise of sd 8,000 -- until 20 s, from where
by noise of sd 20,000 (concept drift: prices depend on something the model does not see;
its predictions keep their distribution, the mean error stays 0). Prices rounded to cents.
For every window of 10 panes of 1 s (start on a whole second) the residuals' ks and psi
against the first window's (the stream reference), and the PSI of the predictions against
the first window's over the same kind of deciles (which stays small).
"""

import numpy as np
from scipy import stats

from vector_io import (CHANGE, COUNT, PANE, PANES_PER_WINDOW, START, STEP, add_labelled, house_features, house_prediction, psi,
                       windows as window_masks, write_stream, write_vectors)


def ks(reference, current):
    return float(stats.ks_2samp(current, reference).statistic)


rng = np.random.default_rng(21)
samples = []
def sample(name, reference, current):
    reference = [round(float(v), 2) for v in reference]
    current = [round(float(v), 2) for v in current]
    samples.append({"name": name, "reference": reference, "current": current,
                    "ks": ks(reference, current), "psi": psi(reference, current)})

house = rng.normal(0, 8_000, 400)
sample("house errors shifted by 2,000", house, rng.normal(2_000, 8_000, 300))
sample("house errors of sd 20,000", house, rng.normal(0, 20_000, 300))
sample("integer demand residuals", rng.integers(-4, 5, 500), np.concatenate([rng.integers(-4, 5, 200), rng.integers(0, 3, 150)]))
sample("identical", house[:200], house[:200])

stream = np.random.default_rng(22)
lines = []
rows = []
for index in range(COUNT):
    time = START + index * STEP
    rooms, area, region = house_features(stream)
    predicted = round(200_000 + 10_000 * (rooms - 3.5) + 400 * (area - 80), 2)
    price = round(predicted + float(stream.normal(0, 20_000 if time >= CHANGE else 8_000)), 2)
    identifier = f"c-{index}"
    add_labelled(lines, time, house_prediction(identifier, time, rooms, area, predicted, region), price)
    rows.append((time, predicted, price))
write_stream("regression_concept.jsonl", lines)

times = np.array([row[0] for row in rows])
predictions = np.array([row[1] for row in rows])
residuals = np.array([row[2] - row[1] for row in rows])
reference = (times >= START) & (times < START + PANES_PER_WINDOW * PANE)
windows = []
for start, end, inside in window_masks(times, first=1):
    windows.append({"start": start, "end": end, "count": int(inside.sum()),
                    "residual_ks": ks(residuals[reference], residuals[inside]),
                    "residual_psi": psi(residuals[reference], residuals[inside]),
                    "prediction_psi": psi(predictions[reference], predictions[inside])})

vectors = {"samples": samples, "stream": {"change": CHANGE, "windows": windows}}
write_vectors("residual_drift.json", vectors)
for s in samples:
    print(f"{s['name']}: ks {s['ks']:.4f} psi {s['psi']:.4f}")
for w in windows:
    print(f"window ending {(w['end'] - START) / 1000:.0f} s: residual ks {w['residual_ks']:.3f} psi {w['residual_psi']:.3f}, "
          f"prediction psi {w['prediction_psi']:.3f}")
