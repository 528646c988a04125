"""An independent 30-feature history for timing `driftwatch replay` (README "Benchmarks"):
written apart from the Swift generators on purpose (another RNG, other distributions,
Python's JSON and ISO 8601 formatting), so that a speed-up measured on it is not one
tuned to our own streams.

Run:  python3 Benchmarks/Tools/python/wide_history.py OUT.jsonl   (standard library only;
~30 s, 907,360 lines, 409 MB: 504,000 predictions over 14 days, 25 numeric and 5
categorical features, UUID ids, RFC 3339 timestamps with milliseconds, boolean labels for
80 % after an exponential delay of mean 30 hours; numeric means shift from 60 % of the
stream and the labels flip from 80 %).
"""
import datetime
import heapq
import json
import random
import sys
import uuid

rng = random.Random(7)
start = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)
N = 504_000
span = 14 * 86400
labels = []
out = open(sys.argv[1], "w")
cats = {"country": ["US","DE","FR","BR","IN","JP","GB"], "device": ["ios","android","web"], "plan": ["free","pro","team","ent"], "channel": ["ads","organic","referral","email"], "tier": ["a","b","c"]}
for i in range(N):
    t = start + datetime.timedelta(seconds=span * i / N + rng.random())
    while labels and labels[0][0] <= t:
        lt, line = heapq.heappop(labels)
        out.write(line + "\n")
    drift = 1.0 if i < N * 0.6 else 1.4
    feats = {f"num_{k}": round(rng.gauss(k * drift if k < 3 else k, 1 + k / 10), 5) for k in range(25)}
    for c, vals in cats.items():
        feats[c] = rng.choice(vals)
    score = 1 / (1 + pow(2.718, -(feats["num_1"] - 1)))
    pid = str(uuid.UUID(int=rng.getrandbits(128)))
    ts = t.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    ev = {"event": "prediction", "model": "churn", "version": "2026.03", "id": pid, "ts": ts, "features": feats,
          "score": round(score, 6), "label_pred": int(score > 0.5), "segment": {"region": feats["country"], "age_band": rng.choice(["18-25","26-40","41-65","65+"])}}
    out.write(json.dumps(ev, separators=(",", ":")) + "\n")
    if rng.random() < 0.8:
        lt = t + datetime.timedelta(hours=rng.expovariate(1 / 30))
        y = int(rng.random() < (score if i < N * 0.8 else 1 - score))
        heapq.heappush(labels, (lt, json.dumps({"event": "label", "id": pid, "ts": lt.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "label": bool(y)}, separators=(",", ":"))))
while labels:
    out.write(heapq.heappop(labels)[1] + "\n")
