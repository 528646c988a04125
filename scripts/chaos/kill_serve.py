#!/usr/bin/env python3
"""Chaos check of `driftwatch serve` with an independent Kafka client (confluent-kafka).

For each seed: a standalone `driftwatch broker`; a simulated stream produced with
confluent-kafka (paced to stay within the embedded broker's ~5 MiB per partition);
`serve` started and killed with SIGKILL at seeded points — just after its assignment,
mid-stream, just after a checkpoint, just after a restore — restarted each time; a last
run that catches up and stops with SIGTERM. The alert/retraining topics are then read in
full with confluent-kafka and compared with what `driftwatch replay` writes for the same
file: lost (in replay, not published), duplicated (published more often than replay
wrote it) and unexpected outputs.

Replay ends with an end-of-input flush that a service never reaches; the outputs only
that flush produces are found once per invocation from an uninterrupted `serve` and
left out of the comparison (and listed).

    pip install confluent-kafka
    swift build -c release
    scripts/chaos/kill_serve.py --driftwatch .build/release/driftwatch --seeds 1 2 3

Not part of CI (a few minutes per seed); Tests/ServiceTests/CrashTests.swift is the CI test.
"""
import argparse
import collections
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WINDOW = ["--window", "5m", "--slide", "1m", "--lateness", "1m"]
KILL_POINTS = ["after-assignment", "mid-stream", "after-checkpoint", "after-restore"]


class Process:
    """A child process whose combined output goes to a log file, watched line by line."""

    def __init__(self, args, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.lines = []
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.log.write(line)
            self.log.flush()
            self.lines.append(line)

    def wait_for(self, text, timeout, after=0):
        """Index of the first line from `after` on that contains `text`, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index in range(after, len(self.lines)):
                if text in self.lines[index]:
                    return index
            if self.process.poll() is not None:
                return None
            time.sleep(0.01)
        return None

    def count(self, text):
        return sum(text in line for line in self.lines)

    def kill(self, sig):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=5)
        return self.process.returncode


def committed(bootstrap, group, topic):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        offsets = consumer.committed([TopicPartition(topic, 0)], timeout=10)
        return max(offsets[0].offset, 0)
    finally:
        consumer.close()


def read_all(bootstrap, topic):
    """Every message of partition 0 of `topic`, from the beginning to the high watermark."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "chaos-reader", "enable.auto.commit": False})
    try:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        values = []
        deadline = time.monotonic() + 120
        while len(values) < high - low and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error():
                continue
            values.append(message.value().decode())
        if len(values) < high - low:
            raise RuntimeError(f"{topic}: read {len(values)} of {high - low}")
        return values
    finally:
        consumer.close()


def run(args, seed, events_path, lines, work, kills):
    """One broker, serve killed at `kills` (names of KILL_POINTS, [] for none); returns published outputs and facts."""
    rng = random.Random(seed)
    topics = {"input": "in", "alerts": "alerts", "retrain": "retrain", "dead": "dead", "state": "state"}
    broker = Process([args.driftwatch, "broker", "--brokers", "1", "--topic=in:1", "--topic=alerts:1", "--topic=retrain:1",
                      "--topic=dead:1", "--topic=state:4"], os.path.join(work, "broker.log"))
    try:
        index = broker.wait_for("bootstrap=", 30)
        if index is None:
            raise RuntimeError("the broker printed no bootstrap address")
        bootstrap = broker.lines[index].strip().split("bootstrap=", 1)[1]
        group = f"chaos-{seed}"

        done = threading.Event()
        failure = []

        def feed():
            try:
                producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": True})
                sent = 0
                while sent < len(lines):
                    if sent - committed(bootstrap, group, "in") >= args.ahead:
                        time.sleep(0.2)
                        continue
                    for line in lines[sent:sent + 1000]:
                        producer.produce("in", value=line, partition=0)
                        producer.poll(0)
                    sent = min(sent + 1000, len(lines))
                    producer.flush(30)
            except Exception as error:  # reported by the main thread
                failure.append(error)
            finally:
                done.set()

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        serve_args = [args.driftwatch, "serve", "--brokers", bootstrap, "--group", group, "--input-topic", "in",
                      "--alerts-topic", "alerts", "--retrain-topic", "retrain", "--dead-letter-topic", "dead",
                      "--state-topic", "state", "--rules", os.path.join(ROOT, "rules", "default.yaml"),
                      "--http", "127.0.0.1:0", "--checkpoint-messages", "3000", "--checkpoint-interval", "2s",
                      "--checkpoint-max-record-bytes", "100000", "-X", "message.max.bytes=1000000",
                      "-X", "session.timeout.ms=6000", "-X", "fetch.wait.max.ms=10"] + WINDOW
        restores = 0
        points = []
        for number, point in enumerate(kills):
            serve = Process(serve_args, os.path.join(work, f"serve-{number}.log"))
            assigned = serve.wait_for("partitions assigned", 60)
            if assigned is None:
                raise RuntimeError(f"run {number}: no assignment (see {serve.log_path})")
            if point == "after-assignment":
                time.sleep(rng.uniform(0, 0.2))
            elif point == "mid-stream":
                time.sleep(rng.uniform(0.5, 4.5))
            elif point == "after-checkpoint":
                # Not the one right after a restore: one of the regular ones.
                serve.wait_for("checkpoint written", 60, after=serve.wait_for("checkpoint written", 60, after=assigned) or assigned)
                time.sleep(rng.uniform(0, 0.05))
            elif point == "after-restore":
                serve.wait_for("shard restored from checkpoint", 60, after=assigned)
                time.sleep(rng.uniform(0, 0.05))
            position = committed(bootstrap, group, "in")
            serve.kill(signal.SIGKILL)
            restores += serve.count("shard restored from checkpoint")
            points.append(f"{point}@{position}")
            # The embedded broker hands a dead member's partitions back to it until its session expires.
            time.sleep(8)
        last = Process(serve_args, os.path.join(work, f"serve-{len(kills)}.log"))
        if last.wait_for("partitions assigned", 60) is None:
            raise RuntimeError(f"last run: no assignment (see {last.log_path})")
        deadline = time.monotonic() + args.catch_up
        while time.monotonic() < deadline and not (done.is_set() and committed(bootstrap, group, "in") >= len(lines)):
            time.sleep(0.5)
        if failure:
            raise failure[0]
        position = committed(bootstrap, group, "in")
        if position < len(lines):
            raise RuntimeError(f"the last run committed {position} of {len(lines)} (see {last.log_path})")
        if last.kill(signal.SIGTERM) != 0:
            raise RuntimeError(f"serve did not stop cleanly on SIGTERM (see {last.log_path})")
        restores += last.count("shard restored from checkpoint")
        empty = any("starts EMPTY" in line or "no complete checkpoint" in line
                    for name in os.listdir(work) if name.startswith("serve-")
                    for line in open(os.path.join(work, name)))
        published = read_all(bootstrap, "alerts") + read_all(bootstrap, "retrain")
        return published, {"points": points, "restores": restores, "empty_start": empty}
    finally:
        broker.kill(signal.SIGTERM)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--driftwatch", default=os.path.join(ROOT, ".build", "release", "driftwatch"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--events", type=int, default=16000, help="predictions in the simulated stream")
    parser.add_argument("--scenario", default="income_shift@0.3,concept_drift@0.4,gender_bias@0.6")
    parser.add_argument("--kills", type=int, default=4, help="kills per seed (then a last run that finishes)")
    parser.add_argument("--ahead", type=int, default=8000, help="messages the producer keeps ahead of the group's commits")
    parser.add_argument("--catch-up", type=float, default=240, help="seconds the last run has to catch up")
    parser.add_argument("--work", default=None, help="directory for files and logs (default: a temporary one)")
    args = parser.parse_args()

    work = args.work or tempfile.mkdtemp(prefix="driftwatch-chaos-")
    os.makedirs(work, exist_ok=True)
    events = os.path.join(work, "events.jsonl")
    subprocess.run([args.driftwatch, "simulate", "-n", str(args.events), "--seed", "11", "--models", "2",
                    "--scenario", args.scenario, "--out", events], check=True, capture_output=True)
    replayed = os.path.join(work, "replay-alerts.jsonl")
    subprocess.run([args.driftwatch, "replay", "--input", events, "--rules", os.path.join(ROOT, "rules", "default.yaml"),
                    "--alerts-out", replayed] + WINDOW, check=True, capture_output=True)
    with open(replayed) as file:
        expected = collections.Counter(line.rstrip("\n") for line in file if line.strip())
    with open(events, "rb") as file:
        lines = [line.rstrip(b"\n") for line in file if line.strip()]
    print(f"stream: {len(lines)} messages; replay: {sum(expected.values())} alerts and retraining triggers; work: {work}")

    os.makedirs(os.path.join(work, "uninterrupted"))
    baseline, _ = run(args, 0, events, lines, os.path.join(work, "uninterrupted"), [])
    flush_only = expected - collections.Counter(baseline)
    print(f"uninterrupted serve: {len(baseline)} published; {sum(flush_only.values())} only replay's end-of-input flush emits")
    expected -= flush_only

    totals = collections.Counter()
    for seed in args.seeds:
        rng = random.Random(seed)
        kills = [rng.choice(KILL_POINTS[:3])] + [rng.choice(KILL_POINTS) for _ in range(args.kills - 1)]
        seed_work = os.path.join(work, f"seed-{seed}")
        os.makedirs(seed_work)
        published, facts = run(args, seed, events, lines, seed_work, kills)
        got = collections.Counter(published)
        lost = sum((expected - got).values())
        duplicated = sum(max(0, got[item] - expected[item]) for item in got if item in expected)
        unexpected = sum(count for item, count in got.items() if item not in expected and item not in flush_only)
        totals.update(lost=lost, duplicated=duplicated, unexpected=unexpected)
        print(f"seed {seed}: kills {' '.join(facts['points'])}; restores {facts['restores']}; "
              f"published {len(published)}; lost {lost}, duplicated {duplicated}, unexpected {unexpected}"
              + ("; A SHARD STARTED EMPTY" if facts["empty_start"] else ""), flush=True)
    print(f"total over {len(args.seeds)} seeds: lost {totals['lost']}, duplicated {totals['duplicated']}, unexpected {totals['unexpected']}")
    sys.exit(0 if totals["lost"] == totals["duplicated"] == totals["unexpected"] == 0 else 1)


if __name__ == "__main__":
    main()
