"""Reference values for driftwatch's RFC 3339 / ISO 8601 timestamp parser (TimestampText).

Run once from the repository root:  python3 Tests/ReferenceVectors/timestamp_vectors.py
(standard library only; Python >= 3.11, whose datetime.fromisoformat reads offsets, fractions
of any length and a space as the separator).

Writes fixtures/vectors/timestamps.json:
- "valid": texts in the grammar driftwatch accepts (hand-picked edge cases plus 400 seeded random
  ones: years 1000-9998, `T`/`t`/space, with or without seconds, fractions of 1-12 digits after `.`
  or `,`, no offset / `Z` / `+HH:MM` / `-HHMM` / `+HH`), each with datetime.fromisoformat's instant:
  epoch seconds (floor) and microseconds (fromisoformat truncates past 6 digits, as driftwatch does
  past 9), whether it has an offset (naive texts are taken as UTC), and the nanoseconds the fraction
  spells (its first 9 digits; fromisoformat cannot represent them);
- "invalid": texts that fromisoformat rejects (asserted here) and driftwatch must reject too.
Forms only one side accepts are left out and tested by hand in TimestampTextTests: fromisoformat
also takes any character as the separator, an empty fraction, basic formats and week dates;
driftwatch also takes a lowercase `z` and a leap second (RFC 3339 allows both) and rejects offset
minutes of 60 and a space before the offset (fromisoformat takes `+05:60` and `12:00:00 Z`).
"""
import json
import os
import random
from datetime import datetime, timedelta, timezone

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)

HAND_PICKED = [
    "2026-03-01T12:00:00Z",
    "2026-03-01T12:00:00+02:00",
    "2026-03-01T12:00:00-07:30",
    "2026-03-01 12:00:00+00:00",
    "2026-03-01 12:00:00.123456+00:00",
    "2026-03-01T12:00:00.123456789Z",
    "2026-03-01T12:00:00.999999999-00:00",
    "2026-03-01T12:00:00.5Z",
    "2026-03-01T12:00:00,25Z",
    "2026-03-01T12:00:00.123456789123Z",
    "2026-03-01T12:00:00",
    "2026-03-01T12:00",
    "2026-03-01T12:00Z",
    "2026-03-01",
    "2026-03-01T12:00:00+0530",
    "2026-03-01T12:00:00+05",
    "2026-03-01T00:30:00+01:00",
    "2026-01-01T00:00:00+23:59",
    "2025-12-31T23:59:59-23:59",
    "2024-02-29T23:59:59.999Z",
    "2000-02-29T00:00:00Z",
    "2100-02-28T00:00:00Z",
    "1990-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:59:59.5Z",
    "1600-03-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2200-12-31T23:59:59.999Z",
    "2026-03-01t12:00:00Z",
]

INVALID = [
    "",
    "2026",
    "2026-03",
    "2026-3-01T12:00:00Z",
    "2026-03-1T12:00:00Z",
    "26-03-01T12:00:00Z",
    "2026/03/01T12:00:00Z",
    "2026-00-01T12:00:00Z",
    "2026-13-01T12:00:00Z",
    "2026-02-29T12:00:00Z",
    "2100-02-29T12:00:00Z",
    "2026-04-31T12:00:00Z",
    "2026-03-00T12:00:00Z",
    "2026-03-32T12:00:00Z",
    "0000-01-01T00:00:00Z",
    "2026-03-01T24:00:00Z",
    "2026-03-01T12:60:00Z",
    "2026-03-01T12:00:61Z",
    "2026-03-01T1:00:00Z",
    "2026-03-01T12:0:00Z",
    "2026-03-01T12:00:0Z",
    "2026-03-01T12:00:00+24:00",
    "2026-03-01T12:00:00+5:00",
    "2026-03-01T12:00:00+05:0",
    "2026-03-01T12:00:00ZZ",
    "2026-03-01T12:00:00Z ",
    " 2026-03-01T12:00:00Z",
    "2026-03-01T12:00:00UTC",
    "2026-03-01T12:00:00.1.2Z",
    "1700000000000",
    "yesterday",
]


def instant(text):
    parsed = datetime.fromisoformat(text)
    aware = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)
    micros = (aware - EPOCH) // MICROSECOND
    seconds, microseconds = divmod(micros, 1_000_000)
    fraction = ""
    for separator in ".,":
        if separator in text:
            tail = text.split(separator, 1)[1]
            fraction = tail[: len(tail) - len(tail.lstrip("0123456789"))]
    return {
        "text": text,
        "epoch_seconds": seconds,
        "microseconds": microseconds,
        "nanoseconds": int((fraction + "000000000")[:9]),
        "has_offset": parsed.tzinfo is not None,
    }


def random_text(rng):
    year = rng.randint(1000, 9998)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28 if month == 2 else 30)
    text = f"{year:04d}-{month:02d}-{day:02d}"
    text += rng.choice(["T", " ", "t"]) + f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    if rng.random() < 0.8:
        text += f":{rng.randint(0, 59):02d}"
        if rng.random() < 0.6:
            text += rng.choice([".", ","]) + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 12)))
    hours, minutes = rng.randint(0, 23), rng.randint(0, 59)
    sign = rng.choice("+-")
    text += rng.choice(["", "Z", f"{sign}{hours:02d}:{minutes:02d}", f"{sign}{hours:02d}{minutes:02d}", f"{sign}{hours:02d}"])
    return text


def main():
    rng = random.Random(14)
    valid = [instant(text) for text in HAND_PICKED + [random_text(rng) for _ in range(400)]]
    for text in INVALID:
        try:
            datetime.fromisoformat(text)
        except ValueError:
            continue
        raise SystemExit(f"fromisoformat accepts {text!r}: not a shared rejection")
    path = os.path.join(ROOT, "fixtures", "vectors", "timestamps.json")
    with open(path, "w") as out:
        out.write('{"valid": [\n' + ",\n".join(json.dumps(entry) for entry in valid) + "\n],\n")
        out.write('"invalid": ' + json.dumps(INVALID, indent=1) + "}\n")
    print(f"wrote {path}: {len(valid)} valid, {len(INVALID)} invalid")


if __name__ == "__main__":
    main()
