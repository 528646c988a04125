"""Reference intervals for `check --candidate` (champion vs challenger).

Run once from the repository root:  python Tests/ReferenceVectors/interval_vectors.py
(needs statsmodels; see requirements.txt)

Writes fixtures/vectors/intervals.json: for pairs of binomial counts (challenger k1 of n1,
champion k2 of n2), the 95 % Wilson interval of each proportion
(statsmodels.stats.proportion.proportion_confint, method="wilson") and Newcombe's hybrid
score interval of the difference p1 - p2 (confint_proportions_2indep, method="newcomb",
compare="diff"). The pairs cover the edges (0 and n successes, n = 1, unequal sizes) and
seeded random counts.
"""
import json
import os

import numpy as np
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ALPHA = 0.05


def case(k1, n1, k2, n2):
    lower, upper = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff", alpha=ALPHA)
    return {
        "challenger": [k1, n1],
        "champion": [k2, n2],
        "challengerWilson": [float(b) for b in proportion_confint(k1, n1, alpha=ALPHA, method="wilson")],
        "championWilson": [float(b) for b in proportion_confint(k2, n2, alpha=ALPHA, method="wilson")],
        "difference": k1 / n1 - k2 / n2,
        "interval": [float(lower), float(upper)],
    }


def main():
    pairs = [(56, 70, 48, 80), (9, 10, 3, 10), (6, 7, 2, 7), (5, 56, 0, 29), (0, 10, 0, 20), (10, 10, 10, 10),
             (0, 1, 1, 1), (1, 1, 0, 1), (500, 1000, 520, 1000), (9000, 10000, 8950, 10000), (3, 300, 12, 250)]
    rng = np.random.default_rng(13)
    for _ in range(40):
        n1, n2 = int(rng.integers(1, 5000)), int(rng.integers(1, 5000))
        pairs.append((int(rng.integers(0, n1 + 1)), n1, int(rng.integers(0, n2 + 1)), n2))
    vectors = {"alpha": ALPHA, "cases": [case(*pair) for pair in pairs]}
    path = os.path.join(ROOT, "fixtures", "vectors", "intervals.json")
    with open(path, "w") as out:
        json.dump(vectors, out, indent=1)
        out.write("\n")
    print(f"wrote {len(pairs)} cases to {path}")


if __name__ == "__main__":
    main()
