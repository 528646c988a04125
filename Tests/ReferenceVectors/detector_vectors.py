"""Reference detections of River 0.26.1's change detectors -> fixtures/vectors/detectors.json.

Run once from the repository root:  python Tests/ReferenceVectors/detector_vectors.py

Every stream is seeded. Real-valued streams are rounded to 3 decimals *before* River
sees them, so the JSON numbers are exactly the inputs River used. Error streams (for
DDM/EDDM) are stored as strings of '0'/'1'. For each case the file records the
0-based indices after whose update River reported `drift_detected` (and, for DDM and
EDDM, `warning_detected`). Streams are stored once under "streams" and cases name
them; warning indices are stored as inclusive [first, last] runs to keep the file small.
"""

import json
import pathlib

import numpy as np
from river import drift

OUT = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "vectors" / "detectors.json"


def gaussian(rng, segments):
    """Concatenated normal segments [(length, mean, sd)], rounded to 3 decimals."""
    parts = [rng.normal(mean, sd, length) for length, mean, sd in segments]
    return [float(v) for v in np.round(np.concatenate(parts), 3)]


def gradual(rng, before, ramp, after, start, end, sd):
    means = np.concatenate([np.full(before, start), np.linspace(start, end, ramp), np.full(after, end)])
    return [float(v) for v in np.round(rng.normal(means, sd), 3)]


def bernoulli(rng, segments):
    """Concatenated Bernoulli segments [(length, error rate)] as 0/1 ints."""
    return [int(v) for length, rate in segments for v in rng.random(length) < rate]


def run(detector, stream):
    drifts, warnings = [], []
    for index, value in enumerate(stream):
        detector.update(value)
        if detector.drift_detected:
            drifts.append(index)
        if getattr(detector, "warning_detected", False):
            warnings.append(index)
    return drifts, warnings


def runs(indices):
    """[3, 4, 5, 9] -> [[3, 5], [9, 9]]."""
    result = []
    for index in indices:
        if result and result[-1][1] == index - 1:
            result[-1][1] = index
        else:
            result.append([index, index])
    return result


STREAMS = {}


def case(name, kind, params, stream_name):
    constructors = {
        "adwin": drift.ADWIN,
        "ddm": drift.binary.DDM,
        "eddm": drift.binary.EDDM,
        "pageHinkley": drift.PageHinkley,
    }
    stream = STREAMS[stream_name]
    if isinstance(stream, str):
        stream = [int(bit) for bit in stream]
    drifts, warnings = run(constructors[kind](**params), stream)
    result = {"name": name, "detector": kind, "parameters": params, "stream": stream_name, "drifts": drifts}
    if kind in ("ddm", "eddm"):
        result["warningRuns"] = runs(warnings)
    return result


def main():
    rng = np.random.default_rng(20261122)
    abrupt = gaussian(rng, [(2000, 0.0, 1.0), (2000, 0.8, 1.0)])
    gradual_stream = gradual(rng, 1500, 1000, 1500, 0.0, 2.0, 1.0)
    stationary = gaussian(rng, [(5000, 0.5, 1.0)])
    several = gaussian(rng, [(1000, 0.0, 1.0), (1000, 3.0, 1.0), (1000, -1.0, 0.5), (1000, 2.0, 2.0), (1000, 0.0, 1.0)])
    small_shift = gaussian(rng, [(3000, 10.0, 0.2), (3000, 10.1, 0.2)])
    bits_abrupt = bernoulli(rng, [(2000, 0.1), (2000, 0.35)])
    bits_gradual = bernoulli(rng, [(1500, 0.05)] + [(100, 0.05 + 0.02 * i) for i in range(10)] + [(1500, 0.25)])
    bits_stationary = bernoulli(rng, [(5000, 0.2)])
    bits_several = bernoulli(rng, [(1000, 0.05), (1000, 0.3), (1000, 0.1), (1000, 0.5), (1000, 0.15)])

    # Drawn after the streams above so adding these kept the earlier ones unchanged.
    near_constant = [5.0] * 1500 + [5.1] * 300 + gaussian(rng, [(1200, 5.1, 0.001)])
    large_offset = gaussian(rng, [(2000, 1e6, 1.0), (2000, 1e6 + 0.3, 1.0)])
    STREAMS.update({"nearConstant": near_constant, "largeOffset": large_offset})
    STREAMS.update({
        "abrupt": abrupt, "gradual": gradual_stream, "stationary": stationary, "several": several,
        "smallShift": small_shift,
    })
    for key, bits in {"bitsAbrupt": bits_abrupt, "bitsGradual": bits_gradual,
                      "bitsStationary": bits_stationary, "bitsSeveral": bits_several}.items():
        STREAMS[key] = "".join(str(v) for v in bits)

    cases = []
    for kind in ("adwin", "pageHinkley"):
        cases += [
            case(f"{kind} abrupt mean change", kind, {}, "abrupt"),
            case(f"{kind} gradual drift", kind, {}, "gradual"),
            case(f"{kind} no drift", kind, {}, "stationary"),
            case(f"{kind} several drifts", kind, {}, "several"),
            case(f"{kind} small shift", kind, {}, "smallShift"),
        ]
    cases += [
        case("adwin bernoulli errors", "adwin", {}, "bitsSeveral"),
        case("adwin clock 1", "adwin", {"clock": 1}, "several"),
        case("adwin non-default", "adwin",
             {"delta": 0.05, "clock": 8, "max_buckets": 3, "min_window_length": 10, "grace_period": 100}, "abrupt"),
        case("adwin non-default small shift", "adwin",
             {"delta": 0.1, "clock": 4, "max_buckets": 2, "min_window_length": 3, "grace_period": 20}, "smallShift"),
        case("adwin near-constant stream", "adwin", {}, "nearConstant"),
        case("adwin near-constant clock 1", "adwin", {"clock": 1, "min_window_length": 2}, "nearConstant"),
        case("adwin large offset", "adwin", {}, "largeOffset"),
        case("adwin two buckets per row", "adwin", {"max_buckets": 2, "clock": 1}, "several"),
        case("pageHinkley up", "pageHinkley", {"mode": "up"}, "several"),
        case("pageHinkley down", "pageHinkley", {"mode": "down"}, "several"),
        case("pageHinkley non-default", "pageHinkley",
             {"min_instances": 10, "delta": 0.05, "threshold": 10.0, "alpha": 0.99, "mode": "both"}, "gradual"),
    ]
    for kind in ("ddm", "eddm"):
        cases += [
            case(f"{kind} abrupt rate change", kind, {}, "bitsAbrupt"),
            case(f"{kind} gradual rate change", kind, {}, "bitsGradual"),
            case(f"{kind} no drift", kind, {}, "bitsStationary"),
            case(f"{kind} several drifts", kind, {}, "bitsSeveral"),
        ]
    cases += [
        case("ddm non-default", "ddm", {"warm_start": 100, "warning_threshold": 1.5, "drift_threshold": 2.5},
             "bitsSeveral"),
        case("eddm non-default", "eddm", {"warm_start": 10, "alpha": 0.8, "beta": 0.7}, "bitsSeveral"),
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"generator": "River 0.26.1", "streams": STREAMS, "cases": cases}, separators=(",", ":")) + "\n")
    for c in cases:
        print(f"{c['name']:35} drifts={c['drifts'][:12]} warning runs={len(c.get('warningRuns', []))}")


if __name__ == "__main__":
    main()
