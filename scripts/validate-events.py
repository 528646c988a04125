#!/usr/bin/env python3
"""Validates driftwatch output events against the JSON Schemas in schemas/ (draft 2020-12).

usage: validate-events.py SCHEMA_DIR [--headers FILE]... FILE...

Each FILE holds JSON lines (replay's --alerts-out, --metrics-out, --dead-letter-out); each
line is checked against the schema its "type" names (alert, retrain, retrain-decision for
retrain_decision, metric, notice for
version_seen / rule_not_evaluated / rule_evaluated_again / model_type_inferred /
feature_not_in_reference, dead-letter). Each --headers FILE
holds one JSON object per line: a dead-letter message's headers.

Prints {"validated": {schema: lines}, "errors": [...]} and exits 1 when any line fails.
Installed by scripts/deps/jsonschema.sh.
"""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_BY_TYPE = {
    "alert": "alert",
    "retrain": "retrain",
    "retrain_decision": "retrain-decision",
    "metric": "metric",
    "version_seen": "notice",
    "rule_not_evaluated": "notice",
    "rule_evaluated_again": "notice",
    "model_type_inferred": "notice",
    "feature_not_in_reference": "notice",
    "dead_letter": "dead-letter",
}


def main(argv):
    schema_dir = pathlib.Path(argv[0])
    validators = {}
    for path in sorted(schema_dir.glob("*.schema.json")):
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        validators[path.name[: -len(".schema.json")]] = Draft202012Validator(schema, format_checker=FormatChecker())
    validated, errors = {}, []
    rest = argv[1:]
    files = []
    while rest:
        if rest[0] == "--headers":
            files.append(("dead-letter-headers", rest[1]))
            rest = rest[2:]
        else:
            files.append((None, rest[0]))
            rest = rest[1:]
    for fixed, name in files:
        for number, line in enumerate(pathlib.Path(name).read_text().splitlines(), 1):
            event = json.loads(line)
            schema = fixed or SCHEMA_BY_TYPE.get(event.get("type"))
            if schema is None:
                errors.append(f"{name}:{number}: no schema for type {event.get('type')!r}")
                continue
            for error in validators[schema].iter_errors(event):
                errors.append(f"{name}:{number}: {schema}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
            validated[schema] = validated.get(schema, 0) + 1
    print(json.dumps({"validated": validated, "errors": errors[:50]}, sort_keys=True))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
