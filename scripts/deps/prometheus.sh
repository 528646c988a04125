#!/usr/bin/env bash
# Prometheus and promtool (Debian package prometheus): the scrape/query tests and the
# promtool checks of /metrics and deploy/prometheus/ run them for real. Sourced by
# scripts/ensure-deps.sh; installs only when missing. The package's own service is not started.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "driftwatch: installing prometheus (Debian) for the Prometheus tests" >&2
    apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends prometheus >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    echo "driftwatch: installing prometheus (Debian) with sudo for the Prometheus tests" >&2
    sudo apt-get -o DPkg::Lock::Timeout=300 update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends prometheus >/dev/null
  else
    echo "driftwatch: prometheus/promtool missing; the Prometheus tests will fail (Debian: apt-get install prometheus)" >&2
  fi
fi
