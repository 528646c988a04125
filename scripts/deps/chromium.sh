# Chromium (Debian package `chromium`): the report tests render report.html in a real
# headless browser. Sourced by scripts/ensure-deps.sh; installs it when missing.
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "driftwatch: chromium is missing; installing it (apt-get install chromium)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    echo "driftwatch: chromium is missing; installing it with sudo (apt-get install chromium)" >&2
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "driftwatch: chromium is missing (report tests need it); Debian/Ubuntu: apt-get install chromium" >&2
  fi
fi
