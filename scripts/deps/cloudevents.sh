# The CloudEvents Python SDK and confluent-kafka (PyPI): the independent consumer that the
# CloudEvents test reads serve's output topics with (scripts/read-cloudevents.py).
# Sourced by scripts/ensure-deps.sh.
if ! python3 -c 'import cloudevents.kafka, confluent_kafka' >/dev/null 2>&1; then
  echo "driftwatch: installing cloudevents and confluent-kafka from PyPI (pip install --user)" >&2
  python3 -m pip install --quiet --user 'cloudevents>=1.10,<2' 'confluent-kafka>=2.3' >/dev/null
fi
