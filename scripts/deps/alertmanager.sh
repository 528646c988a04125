#!/usr/bin/env bash
# Alertmanager (Debian package prometheus-alertmanager): the Alertmanager client test
# starts one for real. Sourced by
# scripts/ensure-deps.sh; installs only when missing. The package's own service is not started.
if ! command -v prometheus-alertmanager >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "driftwatch: installing prometheus-alertmanager (Debian) for the Alertmanager test" >&2
    apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    echo "driftwatch: installing prometheus-alertmanager (Debian) with sudo for the Alertmanager test" >&2
    sudo apt-get -o DPkg::Lock::Timeout=300 update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null
  else
    echo "driftwatch: prometheus-alertmanager missing; the Alertmanager test will fail (Debian: apt-get install prometheus-alertmanager)" >&2
  fi
fi
