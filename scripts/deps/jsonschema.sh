# Python's jsonschema (PyPI), which the event-schema test validates replay outputs with
# (scripts/validate-events.py against schemas/). Sourced by scripts/ensure-deps.sh.
if ! python3 -c 'import jsonschema' >/dev/null 2>&1; then
  echo "driftwatch: installing jsonschema from PyPI (pip install --user jsonschema)" >&2
  python3 -m pip install --quiet --user 'jsonschema>=4.18' >/dev/null
fi
