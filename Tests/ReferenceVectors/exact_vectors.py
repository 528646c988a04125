"""Reference vectors for exact discrete profiles and out-of-range / heavy-tailed data.

Run once: .venv/bin/python Tests/ReferenceVectors/exact_vectors.py
Writes fixtures/vectors/drift_exact.json.

The cases use references of 1,000 to 1,000,000 rows while keeping the file small:
- "counts" cases (discrete data: integer codes, heavy ties, values outside the
  reference range, a current value *between* two reference values) store each side as
  value/count pairs; the Swift test expands them and adds the values one by one in a
  fixed shuffled order;
- "recipe" cases (continuous, heavy-tailed, out-of-range) store a generator recipe as
  drift_vectors.py does: SplitMix64 uniforms u = (x >> 11)·2^-53 combined with exact
  IEEE arithmetic only (+, −, ×, ÷, √ are correctly rounded in numpy and Swift alike),
  so the Swift test regenerates the same doubles bit for bit:
    irwinhall   Σ of 12 uniforms − 6                   (normal-like, bounded by ±6)
    uniform     u
    pareto2     1/√(1 − u)                             (Pareto, α = 2: infinite variance)
    cauchylike  (u1 − 0.5)/(u2 − 0.5)                  (ratio of centred uniforms: tail index 1, as Cauchy)
  then value·scale + shift; with "outside" = {every, below, above, spread}, value i with
  i % every == 0 is below − spread·u (under the reference minimum) and, when "above" is
  given, i % every == 1 is above + spread·u (over the maximum), one uniform each.

Expected values (the contract of Sources/DriftCore/Drift, as in drift_vectors.py):
psi/js/hellinger on the decile bins np.unique(np.quantile(R, i/10)) (right-closed,
searchsorted side="left"; psi floors proportions at 1e-4), ks = scipy.stats.ks_2samp
(method="asymp"), wasserstein = scipy.stats.wasserstein_distance(R, C) / np.std(R).
"exact" marks cases with at most 1,000 distinct reference values, each seen at least twice
on average, for which the profile keeps exact value counts and every statistic must match
to rounding.
"""
import json
import os

import numpy as np
from scipy import stats
from scipy.spatial import distance

# The same SplitMix64 stream as the Swift tests (RandomSource), shared with drift_vectors.py.
from drift_vectors import binned, ks_pvalue, psi, splitmix_uniforms

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "fixtures", "vectors")
CURRENT_ROWS = 20_000
EXACT_CAPACITY = 1000


def recipe_values(recipe):
    uniforms = splitmix_uniforms(recipe["seed"])
    outside = recipe.get("outside")
    values = np.empty(recipe["count"])
    for i in range(recipe["count"]):
        if outside and i % outside["every"] == 0:
            values[i] = outside["below"] - outside["spread"] * next(uniforms)
            continue
        if outside and outside.get("above") is not None and i % outside["every"] == 1:
            values[i] = outside["above"] + outside["spread"] * next(uniforms)
            continue
        kind = recipe["kind"]
        if kind == "irwinhall":
            total = 0.0
            for _ in range(12):
                total += next(uniforms)
            base = total - 6.0
        elif kind == "pareto2":
            base = 1.0 / np.sqrt(1.0 - next(uniforms))
        elif kind == "uniform":
            base = next(uniforms)
        elif kind == "cauchylike":
            u1 = next(uniforms)
            base = (u1 - 0.5) / (next(uniforms) - 0.5)
        else:
            raise ValueError(kind)
        values[i] = base * recipe["scale"] + recipe["shift"]
    return values


def expected(r, c):
    edges = np.unique(np.quantile(r, np.arange(1, 10) / 10))
    rc, cc = binned(r, c)
    ks = stats.ks_2samp(r, c, method="asymp")
    d = float(ks.statistic)
    return {
        "psi": psi(rc, cc),
        "js": float(distance.jensenshannon(rc, cc)),
        "hellinger": float(np.sqrt(np.sum((np.sqrt(rc) - np.sqrt(cc)) ** 2)) / np.sqrt(2)),
        "ks": {"statistic": d, "pvalue": float(ks.pvalue),
               "pvalue_bounds": [ks_pvalue(d + 0.003, len(r), len(c)), ks_pvalue(d - 0.003, len(r), len(c))]},
        "wasserstein": float(stats.wasserstein_distance(r, c) / np.std(r)),
        "coarse_edges": [float(e) for e in edges],
        "reference_distinct": int(len(np.unique(r))),
        "reference_rows": int(len(r)),
    }


def is_exact(exp):
    """Exact value counts: at most 1,000 distinct values, each seen twice on average."""
    return exp["reference_distinct"] <= EXACT_CAPACITY and exp["reference_rows"] >= 2 * exp["reference_distinct"]


def pairs(values, counts):
    keep = [(float(v), int(n)) for v, n in zip(values, counts) if n > 0]
    return {"values": [v for v, _ in keep], "counts": [n for _, n in keep]}


def expand(side):
    return np.repeat(np.array(side["values"]), np.array(side["counts"]))


def multinomial(rng, rows, probabilities):
    probabilities = np.asarray(probabilities, dtype=float)
    return rng.multinomial(rows, probabilities / probabilities.sum())


def count_cases():
    rng = np.random.default_rng(20261204)
    cases = []

    def add(name, reference, current):
        r, c = expand(reference), expand(current)
        exp = expected(r, c)
        cases.append({"name": name, "reference_counts": reference, "current_counts": current,
                      "exact": is_exact(exp), "expected": exp})

    digits = np.arange(10, dtype=float)
    for rows in [1_000, 4_000, 5_000, 10_000, 100_000, 1_000_000]:
        # Integers 0-9; in the current window the mass of 5 moves to 4.5, between two reference values.
        reference = pairs(digits, multinomial(rng, rows, np.ones(10)))
        moved = multinomial(rng, CURRENT_ROWS, np.ones(10))
        current_values = np.append(digits, 4.5)
        current_counts = np.append(moved, 0)
        current_counts[10], current_counts[5] = current_counts[5], 0
        add(f"digits_mass_between_{rows}", reference, pairs(current_values, current_counts))
    for rows in [1_000, 10_000, 100_000, 1_000_000]:
        # Heavy ties: 70 % zeros, the rest 1 + Poisson(4); the current has 60 % zeros.
        support = np.arange(0, 30, dtype=float)
        tail = stats.poisson.pmf(np.arange(29), 4)
        reference = pairs(support, multinomial(rng, rows, np.concatenate([[0.7 / 0.3 * tail.sum()], tail])))
        current = pairs(support, multinomial(rng, CURRENT_ROWS, np.concatenate([[0.6 / 0.4 * tail.sum()], tail])))
        add(f"heavy_ties_{rows}", reference, current)
        # Integer codes 10..50 (binomial); 10 % of the current below the minimum, 10 % above the maximum.
        support = np.arange(10, 51, dtype=float)
        weights = stats.binom.pmf(np.arange(41), 40, 0.5)
        reference = pairs(support, multinomial(rng, rows, weights))
        reference_support = np.array(reference["values"])
        low, high = reference_support.min(), reference_support.max()
        inside = multinomial(rng, CURRENT_ROWS * 8 // 10, weights)
        below = multinomial(rng, CURRENT_ROWS // 10, np.ones(5))
        above = multinomial(rng, CURRENT_ROWS // 10, np.ones(5))
        values = np.concatenate([support, low - 1 - np.arange(5.0), high + 1 + np.arange(5.0)])
        add(f"discrete_out_of_range_{rows}", reference, pairs(values, np.concatenate([inside, below, above])))
    for rows in [10_000, 1_000_000]:
        # Exactly the cap: 1,000 distinct non-integral values; the current adds values between them.
        support = np.arange(1000) / 7.0
        weights = rng.random(1000) + 0.2
        reference = pairs(support, multinomial(rng, rows, weights))
        between = (support[:-1] + support[1:]) / 2
        current = pairs(np.concatenate([support, between[::3]]),
                        np.concatenate([multinomial(rng, CURRENT_ROWS * 9 // 10, weights[::-1]),
                                        multinomial(rng, CURRENT_ROWS // 10, np.ones(len(between[::3])))]))
        add(f"thousand_distinct_{rows}", reference, current)
        # Over the cap (1,500 distinct values): the sketch takes over, within the binned tolerances.
        support = np.arange(1500) / 3.0
        weights = rng.random(1500) + 0.2
        add(f"over_capacity_distinct_{rows}", pairs(support, multinomial(rng, rows, weights)),
            pairs(support, multinomial(rng, CURRENT_ROWS, weights[::-1])))
    return cases


def recipe_cases():
    cases = []
    seed = 100
    families = [
        ("pareto2_scaled", {"kind": "pareto2", "scale": 1.0, "shift": 0.0}, {"kind": "pareto2", "scale": 1.2, "shift": 0.0}),
        ("cauchylike_shift", {"kind": "cauchylike", "scale": 1.0, "shift": 0.0}, {"kind": "cauchylike", "scale": 1.0, "shift": 0.3}),
        ("ten_percent_below_minimum", {"kind": "irwinhall", "scale": 1.0, "shift": 0.0},
         {"kind": "irwinhall", "scale": 1.0, "shift": 0.0, "outside": {"every": 10, "below": -6.5, "spread": 2.0}}),
        ("ten_percent_below_and_above", {"kind": "irwinhall", "scale": 1.0, "shift": 0.0},
         {"kind": "irwinhall", "scale": 1.0, "shift": 0.0, "outside": {"every": 10, "below": -6.5, "above": 6.5, "spread": 2.0}}),
    ]
    for rows in [1_000, 10_000, 100_000, 1_000_000]:
        for name, reference, current in families:
            seed += 2
            reference = dict(reference, seed=seed, count=rows)
            current = dict(current, seed=seed + 1, count=CURRENT_ROWS)
            r, c = recipe_values(reference), recipe_values(current)
            exp = expected(r, c)
            cases.append({"name": f"{name}_{rows}", "reference_recipe": reference, "current_recipe": current,
                          "exact": is_exact(exp), "expected": exp,
                          "check": {"first_reference_values": [float(v) for v in r[:3]],
                                    "first_current_values": [float(v) for v in c[:3]]}})
    return cases


def mixed_cases():
    """A discrete reference (as counts) against a continuous current (a recipe): the
    current's values spread inside the gaps between reference values."""
    cases = []
    seed = 500
    for rows in [10_000, 100_000, 1_000_000]:
        seed += 10
        # Integer-rounded (floor) normal-like values against the same, unrounded, shifted by 0.5 and by 1.5.
        reference = recipe_values({"kind": "irwinhall", "seed": seed, "count": rows, "scale": 10.0, "shift": 50.0})
        values, counts = np.unique(np.floor(reference), return_counts=True)
        for name, shift in [("floored_reference_continuous_current", 50.5), ("floored_reference_shifted_current", 51.5)]:
            current = {"kind": "irwinhall", "seed": seed + 1, "count": CURRENT_ROWS, "scale": 10.0, "shift": shift}
            c = recipe_values(current)
            exp = expected(np.floor(reference), c)
            cases.append({"name": f"{name}_{rows}", "reference_counts": pairs(values, counts), "current_recipe": current,
                          "exact": is_exact(exp), "expected": exp,
                          "check": {"first_current_values": [float(v) for v in c[:3]]}})
        # Digits 0-9 against values uniform on [-0.5, 9.5).
        digits = pairs(np.arange(10.0), np.random.default_rng(seed).multinomial(rows, np.ones(10) / 10))
        current = {"kind": "uniform", "seed": seed + 2, "count": CURRENT_ROWS, "scale": 10.0, "shift": -0.5}
        c = recipe_values(current)
        exp = expected(expand(digits), c)
        cases.append({"name": f"digits_reference_uniform_current_{rows}", "reference_counts": digits, "current_recipe": current,
                      "exact": is_exact(exp), "expected": exp, "check": {"first_current_values": [float(v) for v in c[:3]]}})
    return cases


if __name__ == "__main__":
    path = os.path.join(OUT, "drift_exact.json")
    with open(path, "w") as handle:
        json.dump({"cases": count_cases() + recipe_cases() + mixed_cases()}, handle, separators=(",", ":"), allow_nan=False)
    print(f"{path}: {os.path.getsize(path)} bytes")
