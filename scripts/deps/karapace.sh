#!/usr/bin/env bash
# Karapace 3.15.0 (Aiven's Confluent-compatible schema registry) and the confluent-kafka
# Python client with its Avro and JSON Schema serializers: the schema registry test
# starts Karapace for real and serializes its events with confluent-kafka.
# Sourced by scripts/ensure-deps.sh; installs only when `karapace-registry` is missing.
#
# Karapace is not on PyPI: its source (the `karapace` package and LICENSE of the 3.15.0
# tag, Apache License 2.0) ships next to this script as karapace-3.15.0.tar.gz, made with
# `git -C <clone> archive --format=tar.gz --prefix=karapace-3.15.0/ 3.15.0 karapace LICENSE`,
# so installing needs PyPI only; $KARAPACE_SOURCE may name another copy. 3.15.0 is the
# last release that runs on Python 3.11 and takes `avro` from PyPI. Installed under
# /opt/karapace (a virtualenv, its dependencies from PyPI, the source). One patch: the
# test's Kafka is driftwatch's embedded broker, whose mock cluster does not answer
# CreateTopics; the test creates the `_schemas` topic, and Karapace is told it exists.
if ! command -v karapace-registry >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v python3 >/dev/null 2>&1; then
    echo "driftwatch: installing Karapace 3.15.0 under /opt/karapace for the schema registry test" >&2
    (
      set -e
      rm -rf /opt/karapace && mkdir -p /opt/karapace/src
      if [ -n "${KARAPACE_SOURCE:-}" ]; then
        cp -r "$KARAPACE_SOURCE/karapace" /opt/karapace/src/
      else
        tar -xz -C /opt/karapace/src --strip-components=1 -f "$(dirname "${BASH_SOURCE[0]}")/karapace-3.15.0.tar.gz" karapace-3.15.0/karapace
      fi
      echo '__version__ = "3.15.0"' > /opt/karapace/src/karapace/version.py
      sed -i 's/^            schema_topic_exists = False$/            schema_topic_exists = True  # driftwatch: the test creates the topic/' \
        /opt/karapace/src/karapace/schema_reader.py
      grep -q "schema_topic_exists = True  # driftwatch" /opt/karapace/src/karapace/schema_reader.py
      python3 -m venv /opt/karapace/venv
      /opt/karapace/venv/bin/pip install -q avro==1.11.3 accept-types aiohttp aiokafka==0.10.0 jsonschema networkx \
        protobuf==3.20.3 pyjwt python-dateutil lz4 python-snappy zstandard cachetools tenacity typing-extensions \
        ujson watchfiles xxhash isodate prometheus-client rich \
        confluent-kafka==2.16.1 fastavro==1.13.1 httpx certifi attrs authlib
      cat > /usr/local/bin/karapace-registry <<'WRAPPER'
#!/bin/sh
# Karapace 3.15.0 from /opt/karapace (scripts/deps/karapace.sh): karapace-registry CONFIG.json
PYTHONPATH=/opt/karapace/src exec /opt/karapace/venv/bin/python -m karapace.karapace_all "$@"
WRAPPER
      chmod +x /usr/local/bin/karapace-registry
    ) >&2 || echo "driftwatch: installing Karapace failed; the schema registry test will fail" >&2
  else
    echo "driftwatch: karapace-registry missing; the schema registry test will fail (run scripts/deps/karapace.sh as root)" >&2
  fi
fi
