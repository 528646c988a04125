"""An independent concept-drift stream for the change detectors (README "How the monitor
works", *Change detectors*), made by River's own generator rather than ours: SEA with an
abrupt concept drift (variant 0, then variant 2 from sample 32,000, over a width of 200),
a logistic regression trained online on the first 2,000 samples of the first concept and
then frozen, a prediction every 20 s, each labelled 1–120 minutes later. Prints
driftwatch JSON events in time order; the drift's event time goes to standard error.

Run:  pip install river==0.26.1
      python3 scripts/external/river_sea_stream.py 60000 32000 > sea.jsonl 2> sea.meta
      driftwatch replay --input sea.jsonl --rules rules/default.yaml --rules detectors.yaml --alerts-out sea.alerts
(detectors.yaml: rules with `metric: ddm`, `adwin` and `page_hinkley`, `condition: "> 0"`.)
"""
import json
import random
import sys

from river import linear_model, preprocessing
from river.datasets import synth

samples, drift_at = int(sys.argv[1]), int(sys.argv[2])
stream = synth.ConceptDriftStream(stream=synth.SEA(variant=0, seed=7), drift_stream=synth.SEA(variant=2, seed=8),
                                  position=drift_at, width=200, seed=9)
model = preprocessing.StandardScaler() | linear_model.LogisticRegression()
delays = random.Random(3)
start = 1_700_000_000_000
events = []
for index, (x, y) in enumerate(stream.take(samples)):
    if index < 2000:
        model.learn_one(x, y)
        continue
    probability = model.predict_proba_one(x).get(True, 0.0)
    timestamp = start + (index - 2000) * 20_000
    prediction_id = f"sea-{index}"
    events.append((timestamp, 0, {"event": "prediction", "model": "sea", "version": "v1", "id": prediction_id, "ts": timestamp,
                                  "features": {name: round(value, 4) for name, value in x.items()},
                                  "score": round(probability, 4), "label_pred": int(probability >= 0.5)}))
    labelled_at = timestamp + delays.randint(60_000, 7_200_000)
    events.append((labelled_at, 1, {"event": "label", "id": prediction_id, "ts": labelled_at, "label": int(y)}))
events.sort(key=lambda event: (event[0], event[1]))
for _, _, event in events:
    print(json.dumps(event, separators=(",", ":")))
print(json.dumps({"drift_ts": start + (drift_at - 2000) * 20_000}), file=sys.stderr)
