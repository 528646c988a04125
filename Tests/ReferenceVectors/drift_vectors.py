"""Reference vectors for DriftCore's drift statistics (numeric and categorical).

Run once: /work/venv/bin/python Tests/ReferenceVectors/drift_vectors.py
Writes fixtures/vectors/drift_numeric.json, drift_numeric_large.json, drift_categorical.json,
drift_binned.json (distances between aligned proportion vectors).

Each case stores the raw data and the exact statistics computed on it with numpy/scipy:
- numeric data are rounded to 6 significant digits *before* the statistics are
  computed, so the stored values are exactly the data the statistics describe;
  a missing value (None or NaN in the source) is stored as JSON null;
- the two large cases (200,000 reference values, so the KLL sketch compacts) store a
  recipe instead of the values: SplitMix64 uniforms u = (x >> 11)·2^-53 combined with
  exact IEEE arithmetic only ("irwinhall": Σ of 12 uniforms − 6; "ratio": (u1 − 0.5) /
  (1 − u2), a heavy tail with infinite mean), then value·scale + shift. The Swift
  tests regenerate the same doubles bit for bit;
- undefined statistics are JSON null; coarse_edges are the exact PSI edges (numpy),
  which a profile built without compaction must reproduce bit for bit.

Definitions (the contract of Sources/DriftCore/Drift):
- psi/js/hellinger on B=10 bins: inner edges np.unique(np.quantile(R, i/10)), bins
  right-closed (searchsorted side="left"); psi floors proportions at 1e-4;
  js = scipy.spatial.distance.jensenshannon (natural log); hellinger = ||√r−√c||/√2;
- ks = scipy.stats.ks_2samp(R, C, method="asymp"); pvalue_bounds are the p-values
  at D ± 0.003 (the statistic's tolerance) with the same sample sizes;
- wasserstein = scipy.stats.wasserstein_distance(R, C) / max(np.std(R), 0.001);
- mean_shift = (mean C − mean R)/std R, std_ratio = std C/std R (population std);
- missing rates and the pooled two-proportion z-test p-value (1 when undefined);
- categorical: union of categories, psi (floor 1e-4), js, tvd, chi2 =
  scipy.stats.chi2_contingency([r, c], correction=False), new_category_rate.
"""
import json
import math
import os

import numpy as np
from scipy import stats
from scipy.spatial import distance

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "fixtures", "vectors")
MASK = (1 << 64) - 1


def splitmix_uniforms(seed):
    state = seed & MASK
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        yield (z >> 11) * 2.0 ** -53


def recipe_values(recipe):
    uniforms = splitmix_uniforms(recipe["seed"])
    values = []
    for _ in range(recipe["count"]):
        if recipe["kind"] == "irwinhall":
            total = 0.0
            for _ in range(12):
                total += next(uniforms)
            base = total - 6.0
        else:
            u1 = next(uniforms)
            u2 = next(uniforms)
            base = (u1 - 0.5) / (1.0 - u2)
        values.append(base * recipe["scale"] + recipe["shift"])
    return np.array(values)


def round6(values):
    return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else float(f"{v:.6g}") for v in values]


def ztest(x1, n1, x2, n2):
    if n1 <= 0 or n2 <= 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return float(2 * stats.norm.sf(abs(z)))


def binned(r, c):
    """Proportions of R and C on the decile bins of R."""
    edges = np.unique(np.quantile(r, np.arange(1, 10) / 10))
    rc = np.bincount(np.searchsorted(edges, r, side="left"), minlength=len(edges) + 1) / len(r)
    cc = np.bincount(np.searchsorted(edges, c, side="left"), minlength=len(edges) + 1) / len(c)
    return rc, cc


def psi(r, c):
    r = np.maximum(r, 1e-4)
    c = np.maximum(c, 1e-4)
    return float(np.sum((c - r) * np.log(c / r)))


def ks_pvalue(d, n, m):
    # As scipy.stats.ks_2samp(method="asymp"), two-sided.
    en = m * n / (m + n)
    return float(stats.kstwo.sf(min(max(d, 0.0), 1.0), np.round(en)))


def missing_stats(r_raw, c_raw):
    rm = sum(v is None for v in r_raw)
    cm = sum(v is None for v in c_raw)
    return {
        "reference": rm / len(r_raw) if r_raw else None,
        "current": cm / len(c_raw) if c_raw else None,
        "pvalue": ztest(rm, len(r_raw), cm, len(c_raw)),
    }


def numeric_expected(r_raw, c_raw):
    r = np.array([v for v in r_raw if v is not None], dtype=float)
    c = np.array([v for v in c_raw if v is not None], dtype=float)
    out = {"missing_rate": missing_stats(r_raw, c_raw)}
    if len(r) == 0 or len(c) == 0:
        out.update(psi=None, js=None, hellinger=None, ks=None, wasserstein=None, mean_shift=None, std_ratio=None)
        return out
    rc, cc = binned(r, c)
    out["coarse_edges"] = [float(e) for e in np.unique(np.quantile(r, np.arange(1, 10) / 10))]
    ks = stats.ks_2samp(r, c, method="asymp")
    d = float(ks.statistic)
    std_r = float(np.std(r))
    out.update(
        psi=psi(rc, cc),
        js=float(distance.jensenshannon(rc, cc)),
        hellinger=float(np.sqrt(np.sum((np.sqrt(rc) - np.sqrt(cc)) ** 2)) / np.sqrt(2)),
        ks={"statistic": d, "pvalue": float(ks.pvalue),
            "pvalue_bounds": [ks_pvalue(d + 0.003, len(r), len(c)), ks_pvalue(d - 0.003, len(r), len(c))]},
        wasserstein=float(stats.wasserstein_distance(r, c) / max(std_r, 0.001)),
        mean_shift=float((np.mean(c) - np.mean(r)) / std_r) if std_r > 0 else None,
        std_ratio=float(np.std(c) / std_r) if std_r > 0 else None,
    )
    return out


def with_missing(rng, values, rate):
    values = list(values)
    for i in np.nonzero(rng.random(len(values)) < rate)[0]:
        values[i] = None
    return values


def numeric_cases():
    rng = np.random.default_rng(20261122)
    cases = []

    def add(name, reference, current):
        r_raw, c_raw = round6(list(reference)), round6(list(current))
        cases.append({"name": name, "reference": r_raw, "current": c_raw, "expected": numeric_expected(r_raw, c_raw)})

    add("normal_shift", rng.normal(0, 1, 5000), rng.normal(0.3, 1, 2000))
    add("no_drift", rng.normal(10, 2, 3000), rng.normal(10, 2, 2000))
    add("variance_only", rng.normal(5, 2, 3000), rng.normal(5, 3, 2000))
    add("cauchy_heavy_tail", rng.standard_cauchy(5000), rng.standard_cauchy(2000) + 0.5)
    add("pareto_infinite_variance", rng.pareto(1.5, 5000), rng.pareto(1.5, 2000) * 1.3)
    add("lognormal", rng.lognormal(0, 1, 5000), rng.lognormal(0.2, 1.1, 2000))
    add("discrete_ties", rng.poisson(4, 5000).astype(float), rng.poisson(4.5, 2000).astype(float))
    add("binary_ties", (rng.random(3000) < 0.3).astype(float), (rng.random(2000) < 0.4).astype(float))
    add("constant_reference", np.full(1000, 3.0), np.concatenate([rng.normal(3, 0.5, 400), np.full(100, 3.0)]))
    add("constant_both", np.full(500, -2.5), np.full(300, -2.5))
    add("empty_current", rng.normal(0, 1, 500), [])
    add("all_missing_current", rng.normal(0, 1, 500), [float("nan")] * 50)
    add("missing_values", with_missing(rng, rng.normal(1, 1, 3000), 0.02), with_missing(rng, rng.normal(1, 1, 2000), 0.1))
    add("small_samples", rng.normal(0, 1, 30), rng.normal(0.5, 1.2, 20))
    add("single_current_value", rng.normal(0, 1, 200), [0.25])
    add("large_magnitude", rng.normal(1e6, 1, 3000), rng.normal(1e6 + 0.2, 1, 2000))
    return cases


def large_cases():
    cases = []
    for name, kind, current_scale, current_shift in [
        ("large_normal_shift", "irwinhall", 1.1, 0.05),
        ("large_heavy_tail", "ratio", 1.0, 0.3),
    ]:
        reference = {"kind": kind, "seed": 7 if kind == "irwinhall" else 11, "count": 200_000, "scale": 1.0, "shift": 0.0}
        current = {"kind": kind, "seed": 8 if kind == "irwinhall" else 12, "count": 50_000,
                   "scale": current_scale, "shift": current_shift}
        r, c = recipe_values(reference), recipe_values(current)
        cases.append({"name": name, "reference_recipe": reference, "current_recipe": current,
                      "expected": numeric_expected(list(r), list(c)),
                      "check": {"first_reference_values": [float(v) for v in r[:3]]}})
    return cases


def categorical_expected(r_raw, c_raw):
    r_counts, c_counts = {}, {}
    for value in r_raw:
        if value is not None:
            r_counts[value] = r_counts.get(value, 0) + 1
    for value in c_raw:
        if value is not None:
            c_counts[value] = c_counts.get(value, 0) + 1
    out = {"missing_rate": missing_stats(r_raw, c_raw)}
    if not r_counts or not c_counts:
        out.update(psi=None, js=None, tvd=None, chi2=None, new_category_rate=None)
        return out
    categories = sorted(set(r_counts) | set(c_counts))
    r = np.array([r_counts.get(k, 0) for k in categories], dtype=float)
    c = np.array([c_counts.get(k, 0) for k in categories], dtype=float)
    rp, cp = r / r.sum(), c / c.sum()
    if len(categories) >= 2:
        chi = stats.chi2_contingency(np.array([r, c]), correction=False)
        chi2 = {"statistic": float(chi.statistic), "dof": int(chi.dof), "pvalue": float(chi.pvalue)}
    else:
        chi2 = {"statistic": 0.0, "dof": 0, "pvalue": 1.0}
    unseen = sum(n for k, n in c_counts.items() if k not in r_counts)
    out.update(psi=psi(rp, cp), js=float(distance.jensenshannon(rp, cp)), tvd=float(np.abs(cp - rp).sum() / 2),
               chi2=chi2, new_category_rate=unseen / c.sum())
    return out


def categorical_cases():
    rng = np.random.default_rng(1122)
    cases = []

    def add(name, reference, current):
        reference, current = list(reference), list(current)
        cases.append({"name": name, "reference": reference, "current": current,
                      "expected": categorical_expected(reference, current)})

    colours = ["red", "green", "blue", "yellow", "black"]
    add("shift_with_new_category", rng.choice(colours, 4000, p=[0.4, 0.3, 0.15, 0.1, 0.05]),
        list(rng.choice(colours, 1500, p=[0.3, 0.3, 0.2, 0.1, 0.1])) + ["purple"] * 60)
    add("no_drift", rng.choice(colours, 3000), rng.choice(colours, 2000))
    add("groups_of_size_one", [f"user-{i}" for i in range(300)], [f"user-{i}" for i in range(250, 400)])
    add("with_missing", with_missing(rng, rng.choice(["a", "b", "c"], 2000), 0.05),
        with_missing(rng, rng.choice(["a", "b", "c"], 1000, p=[0.5, 0.3, 0.2]), 0.2))
    add("category_missing_in_current", rng.choice(["x", "y", "z"], 1000), rng.choice(["x", "y"], 500))
    add("single_category", ["only"] * 100, ["only"] * 40)
    add("booleans", [str(b).lower() for b in rng.random(1000) < 0.2], [str(b).lower() for b in rng.random(800) < 0.35])
    add("empty_current", rng.choice(colours, 200), [])
    add("all_missing_current", rng.choice(colours, 200), [None] * 30)
    return cases


def binned_cases():
    """Aligned proportion vectors and each distance on them, for the per-statistic tests."""
    rng = np.random.default_rng(77)
    cases = []
    shapes = [(10, 1.0), (10, 0.2), (5, 5.0), (3, 0.5), (30, 1.0)]
    for bins, alpha in shapes:
        r = rng.dirichlet(np.full(bins, alpha))
        c = rng.dirichlet(np.full(bins, alpha))
        c[rng.integers(bins)] = 0.0  # an empty current bin
        c = c / c.sum()
        cases.append({"reference": r.tolist(), "current": c.tolist()})
    cases.append({"reference": [0.5, 0.5, 0.0], "current": [0.0, 0.5, 0.5]})
    cases.append({"reference": [1.0], "current": [1.0]})
    for case in cases:
        r, c = np.array(case["reference"]), np.array(case["current"])
        case["psi"] = psi(r, c)
        case["js"] = float(distance.jensenshannon(r, c))
        case["hellinger"] = float(np.sqrt(np.sum((np.sqrt(r) - np.sqrt(c)) ** 2)) / np.sqrt(2))
        case["tvd"] = float(np.abs(c - r).sum() / 2)
        case["ks"] = float(np.max(np.abs(np.cumsum(r) - np.cumsum(c))))
    return cases


def write(name, payload):
    path = os.path.join(OUT, name)
    with open(path, "w") as handle:
        json.dump(payload, handle, separators=(",", ":"), allow_nan=False)
    print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    write("drift_numeric.json", {"cases": numeric_cases()})
    write("drift_numeric_large.json", {"cases": large_cases()})
    write("drift_categorical.json", {"cases": categorical_cases()})
    write("drift_binned.json", {"cases": binned_cases()})
