"""Reference signals of River 0.26.1's change detectors fed performance panes the way
driftwatch's engine feeds them -> fixtures/vectors/pane-detectors.json.

A pane with n labelled predictions of which e were wrong is fed as n values, the i-th
(from 0) being floor((i+1)*e/n) - floor(i*e/n): its errors spread evenly (README, "How
the monitor works", *Change detectors*). The panes are seeded: 5-60 labelled predictions
each, an error rate of 0.1 for the first 80 panes and 0.35 after, then 0.15. For each
detector (River's defaults) the file records the 0-based panes during which River
reported `drift_detected` at least once.

Run once from the repository root:  python Tests/ReferenceVectors/pane_detector_vectors.py
"""

import json
import pathlib

import numpy as np
from river import drift

OUT = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "vectors" / "pane-detectors.json"


def main():
    rng = np.random.default_rng(20261207)
    rates = [0.1] * 80 + [0.35] * 60 + [0.15] * 60
    panes = []
    for rate in rates:
        n = int(rng.integers(5, 61))
        panes.append([n, int(rng.binomial(n, rate))])
    detectors = {"adwin": drift.ADWIN, "ddm": drift.binary.DDM, "eddm": drift.binary.EDDM,
                 "page_hinkley": drift.PageHinkley}
    cases = []
    for name, make in detectors.items():
        detector = make()
        signalled = []
        for index, (n, e) in enumerate(panes):
            fired = False
            for i in range(n):
                detector.update((i + 1) * e // n - i * e // n)
                fired = fired or detector.drift_detected
            if fired:
                signalled.append(index)
        cases.append({"detector": name, "signalledPanes": signalled})
    OUT.write_text(json.dumps({"generator": "River 0.26.1", "panes": panes, "cases": cases}, separators=(",", ":")) + "\n")
    for c in cases:
        print(f"{c['detector']:13} {c['signalledPanes']}")


if __name__ == "__main__":
    main()
