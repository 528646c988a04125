#!/usr/bin/env bash
# Times two driftwatch builds on the same file at the same time, one on each core, swapping
# cores every run, and prints each run's user CPU seconds. On a host whose load varies from
# minute to minute, both builds see the same load, so the pairs compare where alternating
# runs would not. Checks that both wrote byte-identical alerts.
#
#   Benchmarks/Tools/scripts/side-by-side.sh RUNS FILE OLD_BINARY NEW_BINARY [replay|profile]
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 RUNS FILE OLD_BINARY NEW_BINARY [replay|profile]" >&2
  exit 2
fi
runs=$1 file=$2 old=$3 new=$4 command=${5:-replay}
rules="$(cd "$(dirname "$0")/../../.." && pwd)/rules/default.yaml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {  # binary core output-prefix
  case "$command" in
    replay) /usr/bin/time -o "$3.time" -f "%U" taskset -c "$2" "$1" replay --input "$file" --rules "$rules" \
              --alerts-out "$3.out" > /dev/null 2>&1 ;;
    profile) /usr/bin/time -o "$3.time" -f "%U" taskset -c "$2" "$1" profile --input "$file" --out "$3.out" > /dev/null 2>&1 ;;
    *) echo "unknown command: $command" >&2; exit 2 ;;
  esac
}

for run_number in $(seq "$runs"); do
  if [ $((run_number % 2)) -eq 1 ]; then old_core=0 new_core=1; else old_core=1 new_core=0; fi
  run "$old" "$old_core" "$work/old" &
  run "$new" "$new_core" "$work/new" &
  wait
  cmp -s "$work/old.out" "$work/new.out" || { echo "run $run_number: the outputs differ" >&2; exit 1; }
  echo "run $run_number: old $(cat "$work/old.time") s, new $(cat "$work/new.time") s (user CPU)"
done
