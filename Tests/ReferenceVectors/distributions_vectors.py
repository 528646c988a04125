"""Reference vectors for Sources/DriftCore/Distributions (scipy 1.17.1).

Run once from the repository root:
    /work/venv/bin/python Tests/ReferenceVectors/distributions_vectors.py
It writes fixtures/vectors/distributions.json. Everything is deterministic (fixed grids
and seeded samples), so re-running reproduces the file byte for byte.

Layout (all numbers are finite JSON numbers; the one scipy NaN, ks_2samp's p-value for 1 vs 1
observation, is stored as null; other NaN-giving inputs are left out and checked directly by the
Swift tests):
  normal:           [x, cdf, sf]                    scipy.stats.norm.cdf / .sf
  chiSquared:       [x, k, sf]                      scipy.stats.chi2.sf(x, k)
  kolmogorov:       [x, sf]                         scipy.special.kolmogorov(x)
  kstwo:            [n, d, sf]                      scipy.stats.kstwo.sf(d, n) (a grid through every
                                                    regime boundary, then 400 seeded random points)
  ks2samp:          {n1, n2, statistic, pValue}     scipy.stats.ks_2samp(a, b, method="asymp")
  chi2Contingency:  {reference, current, statistic, dof, pValue}
                    scipy.stats.chi2_contingency([ref, cur], correction=False) on the table
                    with all-zero columns dropped (the Swift contract; scipy gives NaN otherwise)
  zTest:            {x1, n1, x2, n2, pValue}        pooled two-proportion z-test, numpy/scipy formula
                    (statsmodels.proportions_ztest with prop_var=False)
"""

import json
import math
import os

import numpy as np
import scipy
from scipy import special, stats

assert scipy.__version__ == "1.17.1", scipy.__version__

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "vectors", "distributions.json")


def f(x):
    return float(x)


def normal_vectors():
    xs = sorted(set([round(v, 6) for v in np.linspace(-37, 37, 149)] +
                    [0.0, 1e-8, -1e-8, 0.5, -0.5, 0.7071, -0.7071, 1.96, -1.96, 8.2, -8.2, 38.4, -38.4]))
    return [[f(x), f(stats.norm.cdf(x)), f(stats.norm.sf(x))] for x in xs]


def chi_squared_vectors():
    rows = []
    for k in [1, 2, 3, 4, 5, 7, 10, 19, 20, 49, 50, 99, 100, 250, 500, 999, 1000, 0.5, 1.5, 2.5, 12.7]:
        mean, sd = k, math.sqrt(2 * k)
        xs = [1e-12, 1e-6, 1e-3, 0.1, 0.5, 1, 2, 5, 10, 30, 100, 300, 700, 1000, 1300, 1500]
        xs += [max(mean + z * sd, 1e-9) for z in (-3, -2, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 2, 3, 5, 8, 13, 20, 40)]
        # Points where the survival reaches 1e-100, 1e-200, 1e-300.
        xs += [f(stats.chi2.isf(p, k)) for p in (1e-20, 1e-100, 1e-200, 1e-300)]
        for x in sorted(set(xs)):
            sf = stats.chi2.sf(x, k)
            if sf > 0:
                rows.append([f(x), f(k), f(sf)])
    return rows


def kolmogorov_vectors():
    xs = [0.01, 0.03, 0.04, 0.0406, 0.041, 0.045, 0.05, 0.07, 0.1, 0.15, 0.2, 0.25, 0.3]
    xs += [round(v, 4) for v in np.linspace(0.35, 10, 194)]
    xs += [0.8199, 0.82, 0.8201]
    rows = []
    for x in sorted(set(xs)):
        rows.append([f(x), f(special.kolmogorov(x))])
    return rows


KSTWO_SIZES = [1, 2, 3, 4, 5, 7, 10, 13, 20, 31, 50, 77, 100, 139, 140, 141, 150, 200, 333, 500, 1000, 2000,
               5000, 6000, 7000, 7001, 8000, 10000, 20000, 50000, 99999, 100000, 100001, 200000, 500000, 999999, 1000000, 1000001,
               2000000, 5000000, 10000000]


def kstwo_points(n):
    ds = set()
    # Ruben-Gambino regimes and knots near 1/(2n), 1/n, 1-1/n.
    for t in (0.5000001, 0.51, 0.6, 0.75, 0.9, 0.99, 1.0, 1.01, 1.5, 2.0, 2.5, 3.0):
        ds.add(t / n)
    for d in (1 - 1 / n, 1 - 0.5 / n, 1 - 1.5 / n, 0.3, 0.45, 0.5, 0.55, 0.6, 0.75, 0.9, 0.99):
        ds.add(d)
    # z = sqrt(n) d across the body and both tails (covers the DMTW, Pomeranz, Pelz-Good,
    # Smirnov and asymptotic regimes and the nx^2 cut-offs 0.754693, 2.2, 4, 18, 370).
    for z in (0.05, 0.1, 0.15, 0.16, 0.17, 0.18, 0.19, 0.2, 0.21, 0.22, 0.23, 0.24, 0.25, 0.26, 0.28, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.868, 0.9, 1.0, 1.1, 1.2, 1.36, 1.48,
              1.5, 1.63, 1.8, 2.0, 2.2, 2.5, 3.0, 3.5, 4.0, 4.3, 5.0, 6.0, 8.0, 10.0, 13.0, 16.0, 19.0, 19.3):
        ds.add(z / math.sqrt(n))
    # n x^1.5 = 1.4 boundary (DMTW vs Pelz-Good for 140 < n <= 100000).
    for c in (1.3, 1.4, 1.5):
        ds.add((c / n) ** (2 / 3))
    return sorted(d for d in ds if 0 < d < 1)


def kstwo_vectors():
    rows = []
    for n in KSTWO_SIZES:
        for d in kstwo_points(n):
            sf = stats.kstwo.sf(d, n)
            rows.append([n, f(d), f(sf)])
    return rows


def kstwo_random_vectors():
    """Seeded random (n, d) pairs: n log-uniform in [1, 3e5], sqrt(n) d log-uniform in [0.05, 25]."""
    rng = np.random.default_rng(11)
    rows = []
    while len(rows) < 400:
        n = int(round(math.exp(rng.uniform(0, math.log(3e5)))))
        d = math.exp(rng.uniform(math.log(0.05), math.log(25))) / math.sqrt(n)
        if not 0 < d < 1:
            continue
        rows.append([n, f(d), f(stats.kstwo.sf(d, n))])
    return rows


def ks2samp_vectors():
    rng = np.random.default_rng(20261122)
    cases = [
        (1, 1, 0.0), (1, 2, 0.0), (1, 50, 0.0), (50, 1, 1.0), (1, 1000, 0.3), (2, 3, 0.0),
        (10, 10, 0.0), (10, 10, 1.0), (30, 45, 0.5), (100, 100, 0.0), (100, 100, 0.3),
        (139, 141, 0.0), (280, 280, 0.2), (500, 700, 0.1), (1000, 1000, 0.0), (1000, 1000, 0.05),
        (1000, 1000, 0.2), (5000, 3000, 0.02), (100000, 1000, 0.0), (100000, 1000, 0.1),
        (1000, 100000, 0.3), (100000, 100000, 0.0), (100000, 100000, 0.01), (100000, 100000, 0.05),
        (200000, 150000, 0.0), (300000, 300000, 0.005), (7, 100000, 1.0), (20000, 20000, 0.03),
    ]
    rows = []
    for n1, n2, shift in cases:
        a = rng.normal(0.0, 1.0, n1)
        b = rng.normal(shift, 1.0, n2)
        res = stats.ks_2samp(a, b, method="asymp")
        rows.append({"n1": n1, "n2": n2, "statistic": f(res.statistic),
                     "pValue": None if math.isnan(res.pvalue) else f(res.pvalue)})
    # Discrete data (ties): tiny statistics relative to 1/sqrt(n).
    for n1, n2, p1, p2 in [(50000, 40000, 0.3, 0.301), (100000, 100000, 0.5, 0.5), (3000, 2000, 0.1, 0.12)]:
        a = (rng.random(n1) < p1).astype(float)
        b = (rng.random(n2) < p2).astype(float)
        res = stats.ks_2samp(a, b, method="asymp")
        rows.append({"n1": n1, "n2": n2, "statistic": f(res.statistic), "pValue": f(res.pvalue)})
    return rows


def chi2_contingency_vectors():
    rng = np.random.default_rng(7)
    tables = [
        ([10, 20], [20, 10]),
        ([5, 5], [5, 5]),
        ([100, 0], [0, 100]),
        ([30, 40, 30], [35, 35, 30]),
        ([30, 40, 0], [35, 35, 12]),  # category only in current
        ([0, 30, 0, 40, 0], [0, 35, 0, 35, 12]),  # zero columns dropped
        ([1e6, 2e6, 3e6], [1.01e6, 1.98e6, 3.0e6]),
        ([0.5, 1.5, 2.25], [1.0, 1.0, 3.0]),  # weighted (non-integer) counts
    ]
    tables.append((list(rng.integers(0, 500, 50)), list(rng.integers(0, 500, 50))))
    counts = rng.integers(1, 1000, 50)
    tables.append((list(counts), list(counts + rng.integers(0, 3, 50))))
    probabilities = rng.dirichlet(np.ones(20))
    tables.append((list(rng.multinomial(10000, probabilities)), list(rng.multinomial(8000, probabilities))))
    rows = []
    for ref, cur in tables:
        ref = [f(v) for v in ref]
        cur = [f(v) for v in cur]
        kept = [(r, c) for r, c in zip(ref, cur) if r + c > 0]
        table = np.array(kept, dtype=float).T
        statistic, p, dof, _ = stats.chi2_contingency(table, correction=False)
        rows.append({"reference": ref, "current": cur, "statistic": f(statistic), "dof": int(dof), "pValue": f(p)})
    return rows


def z_test_vectors():
    cases = [(10, 100, 20, 100), (0, 10, 5, 10), (50, 100, 50, 100), (1, 1, 0, 1), (3, 1000, 30, 1000),
             (500, 1000, 480, 1000), (12345, 100000, 12000, 100000), (1, 2, 1, 3), (999, 1000, 900, 1000),
             (0, 100000, 40, 100000), (4000, 10000, 6000, 10000), (7, 13, 2, 17)]
    rows = []
    for x1, n1, x2, n2 in cases:
        p1, p2 = x1 / n1, x2 / n2
        pooled = (x1 + x2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        rows.append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "pValue": f(2 * stats.norm.sf(abs(z)))})
    return rows


def main():
    vectors = {
        "scipy": scipy.__version__,
        "normal": normal_vectors(),
        "chiSquared": chi_squared_vectors(),
        "kolmogorov": kolmogorov_vectors(),
        "kstwo": kstwo_vectors() + kstwo_random_vectors(),
        "ks2samp": ks2samp_vectors(),
        "chi2Contingency": chi2_contingency_vectors(),
        "zTest": z_test_vectors(),
    }
    with open(OUT, "w") as out:
        json.dump(vectors, out, separators=(",", ":"))
        out.write("\n")


if __name__ == "__main__":
    main()
