#!/usr/bin/env bash
# Makes sure this machine can build driftwatch: a Swift toolchain and librdkafka's
# development files (Debian/Ubuntu package librdkafka-dev, pkg-config name rdkafka).
# Sourced by scripts/test and scripts/driftwatch; safe to run again.
set -euo pipefail

if ! command -v swift >/dev/null 2>&1; then
  echo "driftwatch: no Swift toolchain on PATH; install Swift 6 (https://www.swift.org/install/)." >&2
  exit 1
fi

if ! pkg-config --exists rdkafka 2>/dev/null; then
  install_cmd="apt-get update && apt-get install -y librdkafka-dev pkg-config"
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "driftwatch: librdkafka-dev is missing; installing it: $install_cmd" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq librdkafka-dev pkg-config >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    echo "driftwatch: librdkafka-dev is missing; installing it with sudo: $install_cmd" >&2
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq librdkafka-dev pkg-config >/dev/null
  else
    echo "driftwatch: librdkafka's development files are missing and cannot be installed from here." >&2
    echo "  Debian/Ubuntu (as root): $install_cmd" >&2
    echo "  macOS (Homebrew):        brew install librdkafka pkg-config" >&2
    exit 1
  fi
  pkg-config --exists rdkafka || { echo "driftwatch: librdkafka still not found by pkg-config" >&2; exit 1; }
fi

# Components that some tests start for real (Prometheus, Alertmanager, Chromium, a schema
# registry, ...): one script per component under scripts/deps/, each installing what is
# missing (Debian or PyPI packages) and safe to run again.
for dep in scripts/deps/*.sh; do
  [ -e "$dep" ] || continue
  # shellcheck source=/dev/null
  source "$dep"
done
