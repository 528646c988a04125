#!/usr/bin/env bash
# Crash test of `driftwatch serve` checkpoints: runs `driftwatch broker` as its own
# process, feeds it a simulated stream, kill -9s `driftwatch serve` at random points
# (restarting it each time), lets a last instance finish, then checks that the alerts
# topic read in full equals `driftwatch replay` over the same stream (same events, same
# ids, in order: none lost, none twice) and that each malformed line is dead-lettered once.
#
# Usage: scripts/crash-test.sh [kills]   (env: DRIFTWATCH_BIN, SEED; needs kcat)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
kills="${1:-4}"
seed="${SEED:-$RANDOM}"
bin="${DRIFTWATCH_BIN:-}"
if [[ -z "$bin" ]]; then
    swift build --product driftwatch >&2
    bin="$root/.build/debug/driftwatch"
fi
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
window=(--window 5m --slide 1m --lateness 1m)
echo "crash-test: seed $seed, $kills kill(s), work dir $work"

# The stream (3.7 MB: under the mock's ~5 MiB per partition), two malformed lines, and the reference run.
"$bin" simulate -n 7000 --seed 7 --interval-ms 100 --scenario income_shift@0.3,gender_bias@0.5 --out "$work/stream.jsonl" >/dev/null
awk 'NR == 5000 || NR == 10000 { print "{\"event\":\"prediction\",\"model\":" } { print }' "$work/stream.jsonl" > "$work/input.jsonl"
"$bin" replay --input "$work/stream.jsonl" --rules rules --alerts-out "$work/expected-all.jsonl" "${window[@]}" >/dev/null 2>&1
grep '"type":"alert"' "$work/expected-all.jsonl" > "$work/expected.jsonl" || true
expected=$(wc -l < "$work/expected.jsonl")
[[ "$expected" -gt 0 ]] || { echo "crash-test: the stream produced no alert; nothing to compare"; exit 1; }

topics=(predictions:1 driftwatch-alerts:1 driftwatch-retrain:1 driftwatch-dead-letters:1 driftwatch-state:4)
"$bin" broker --brokers 1 "${topics[@]/#/--topic=}" > "$work/broker.out" 2> "$work/broker.err" &
pids+=($!)
for _ in $(seq 100); do grep -q '^bootstrap=' "$work/broker.out" 2>/dev/null && break; sleep 0.1; done
bootstrap="$(sed -n 's/^bootstrap=//p' "$work/broker.out")"
# Fed in 20 chunks over ~60 s, so that the kills land while the stream is being processed.
split -n l/20 "$work/input.jsonl" "$work/chunk."
(for chunk in "$work"/chunk.*; do kcat -P -b "$bootstrap" -t predictions -p 0 -l "$chunk"; sleep 3; done) &
pids+=($!)

serve() {
    "$bin" serve --brokers "$bootstrap" --http 127.0.0.1:0 --rules rules "${window[@]}" \
        --checkpoint-messages 3000 --checkpoint-interval 2s \
        -X session.timeout.ms=6000 -X fetch.wait.max.ms=10 >> "$work/serve.log" 2>&1 &
    pids+=($!)
    serve_pid=$!
}
count() { kcat -C -b "$bootstrap" -t "$1" -e -q -f '%o\n' 2>/dev/null | wc -l; }

RANDOM=$seed
for run in $(seq "$kills"); do
    assigned=$(grep -c 'partitions assigned' "$work/serve.log" 2>/dev/null || true)
    serve
    # Killed 0-3 s after it got the partition. After a kill -9 the mock broker takes 30-100 s to
    # give the partition to a new member (the dead one must expire): a run that is not assigned
    # within 90 s is killed unassigned (it still tests a restart, not a restore).
    deadline=$((SECONDS + 90))
    while [[ $(grep -c 'partitions assigned' "$work/serve.log") -le $assigned && $SECONDS -lt $deadline ]]; do sleep 0.2; done
    pause="$((RANDOM % 3)).$((RANDOM % 10))"
    sleep "$pause"
    kill -9 "$serve_pid"
    wait "$serve_pid" 2>/dev/null || true
    echo "crash-test: run $run killed after ${pause}s ($(count driftwatch-alerts) alert(s) published so far)"
done

# A last instance runs until the alerts are complete and the stream is consumed, then stops gracefully.
serve
deadline=$((SECONDS + 120))
wait "${pids[1]}"  # the feeder
while [[ $(count driftwatch-alerts) -lt $expected || $(count driftwatch-dead-letters) -lt 2 ]] && [[ $SECONDS -lt $deadline ]]; do sleep 1; done
sleep 3  # room for any duplicate to appear
kill -TERM "$serve_pid"
wait "$serve_pid" || true

kcat -C -b "$bootstrap" -t driftwatch-alerts -e -q -f '%s\n' > "$work/published.jsonl"
kcat -C -b "$bootstrap" -t driftwatch-dead-letters -e -q -f '%h\n' > "$work/dead-letters.txt"
echo "crash-test: $(grep -c 'checkpoint written' "$work/serve.log") checkpoint(s) written, $(grep -c 'restored from checkpoint' "$work/serve.log") restore(s); the last:"
grep -h 'checkpoint written\|restored from checkpoint' "$work/serve.log" | tail -2 || true
status=0
if ! diff <(cat "$work/expected.jsonl") "$work/published.jsonl" > "$work/diff.txt"; then
    echo "crash-test: FAILED: the alerts topic differs from the replay:"; head -20 "$work/diff.txt"; status=1
fi
if [[ $(wc -l < "$work/dead-letters.txt") -ne 2 ]]; then
    echo "crash-test: FAILED: $(wc -l < "$work/dead-letters.txt") dead letters, expected 2"; status=1
fi
[[ $status -eq 0 ]] && echo "crash-test: OK: $expected alert(s) as in the replay, 2 dead letters, after $kills kill -9(s) (seed $seed)"
exit $status
