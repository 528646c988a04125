"""What the reference scripts share: the fixtures' paths, the stream fixtures' clock and
windows, writing events and vectors deterministically, label sampling, PSI and the
fairness gaps.

The scripts run from the repository root (python Tests/ReferenceVectors/x.py), so this
module is found beside them on sys.path.
"""

import json
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]

# The stream fixtures: one prediction every 40 ms for 40 s from 2026-01-01T00:00:00Z, a
# change at 20 s, each label 500 ms after its prediction, windows of 10 panes of 1 s.
START = 1_767_225_600_000  # 2026-01-01T00:00:00Z
STEP = 40
COUNT = 1_000
CHANGE = START + 20_000
LABEL_DELAY = 500
PANE = 1_000
PANES_PER_WINDOW = 10
MINIMUM_GROUP_SIZE = 100  # the monitor's metric lines' minimum group size
FLOOR = 1e-4


def compact(event):
    """An event as one JSON line, without spaces."""
    return json.dumps(event, separators=(",", ":"))


def add_labelled(lines, time, prediction, label):
    """Adds `prediction` at `time` and its label (`label` the value) LABEL_DELAY later to
    `lines` ((time, order, text), sorted by write_stream)."""
    lines.append((time, 0, compact(prediction)))
    event = {"event": "label", "id": prediction["id"], "ts": time + LABEL_DELAY, "label": label}
    lines.append((time + LABEL_DELAY, 1, compact(event)))


def write_stream(name, lines):
    """Writes `lines` ((time, order, text)) in time order to fixtures/streams/`name`."""
    lines.sort(key=lambda line: (line[0], line[1]))
    (ROOT / "fixtures" / "streams" / name).write_text("".join(text + "\n" for _, _, text in lines))


def write_lines(path, lines):
    """Writes `lines` (text) to `path`, one a line."""
    path.write_text("".join(line + "\n" for line in lines))


def write_vectors(name, vectors):
    """Writes `vectors` to fixtures/vectors/`name`, indented by one."""
    (ROOT / "fixtures" / "vectors" / name).write_text(json.dumps(vectors, indent=1) + "\n")


def windows(times, first=0):
    """The windows of PANES_PER_WINDOW panes over the stream, from the `first`th: (start,
    end, the mask of `times` inside [start, end))."""
    for index in range(first, (COUNT * STEP) // PANE - PANES_PER_WINDOW + 1):
        start = START + index * PANE
        end = start + PANES_PER_WINDOW * PANE
        yield start, end, (times >= start) & (times < end)


def window_gap(metric, y, p, groups):
    """Fairlearn's MetricFrame(metric).difference() / .ratio() (between groups) over the
    groups of at least MINIMUM_GROUP_SIZE rows; None and None with fewer than two."""
    values = [metric(y[groups == g], p[groups == g])
              for g in sorted(set(groups)) if (groups == g).sum() >= MINIMUM_GROUP_SIZE]
    if len(values) < 2:
        return None, None
    return float(max(values) - min(values)), float(min(values) / max(values))


def columns(rows):
    """The rows' columns, each a numpy array."""
    return [np.array(column) for column in zip(*rows)]


def house_features(rng):
    """A house's rooms (1-6), area (m2, to 0.1) and region (north or south, evenly)."""
    rooms = int(rng.integers(1, 7))
    area = round(float(rng.normal(80, 25)), 1)
    region = "north" if rng.random() < 0.5 else "south"
    return rooms, area, region


def house_prediction(identifier, time, rooms, area, predicted, region):
    """A house-price v1 prediction event."""
    return {"event": "prediction", "model": "house-price", "version": "v1", "id": identifier, "ts": time,
            "features": {"f_rooms": rooms, "f_area": area}, "prediction": predicted, "segment": {"region": region}}


def maybe_label(rng, events, identifier, time, label):
    """Labels 90 % of predictions (500 ms later), the label written before its prediction
    one time in ten; True when `events` ([prediction]) gets the label."""
    if rng.random() < 0.9:
        event = {"event": "label", "id": identifier, "ts": time + 500, "label": label}
        events.insert(0 if rng.random() < 0.1 else 1, event)
        return True
    return False


def psi(reference, current, bins=10):
    """Evidently's psi: the reference's deciles (numpy.quantile, linear), bins closed on the
    right, proportions floored at FLOOR with no renormalisation."""
    edges = np.quantile(reference, [i / bins for i in range(1, bins)])
    def proportions(values):
        counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=bins)
        return np.maximum(counts / len(values), FLOOR)
    r, c = proportions(np.asarray(reference)), proportions(np.asarray(current))
    return float(np.sum((c - r) * np.log(c / r)))


def group_fairness(groups, values, metric, minimum_group_size):
    """The comparison's fairness object: every group's count and `values(inside)` (a dict
    holding `metric`), the gap of `metric` between the groups of at least
    `minimum_group_size` rows (difference and ratio), the smaller groups excluded."""
    fairness = {"groups": {}}
    eligible = []
    for group in sorted(set(groups)):
        inside = groups == group
        entry = {"count": int(inside.sum()), **values(inside)}
        fairness["groups"][group] = entry
        if inside.sum() >= minimum_group_size:
            eligible.append(entry[metric])
    fairness[f"{metric}_difference"] = max(eligible) - min(eligible)
    fairness[f"{metric}_ratio"] = min(eligible) / max(eligible)
    fairness["excluded"] = sorted(g for g in set(groups) if (groups == g).sum() < minimum_group_size)
    fairness["min_group_size"] = minimum_group_size
    return fairness
