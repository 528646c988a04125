#!/usr/bin/env python3
"""Reads driftwatch's output topics as CloudEvents, with the CloudEvents Python SDK
(Kafka protocol binding, binary mode) over confluent-kafka: an independent consumer.

usage: read-cloudevents.py BOOTSTRAP COUNT TOPIC...

Reads every topic from the beginning until COUNT messages in all (or 60 s), parses each
with cloudevents.kafka.from_binary (which refuses a message missing a required attribute),
and prints one JSON line per event: topic, the CloudEvents attributes, the
`driftwatch-id` header, and the data's `type` and `id`. Exits 1 on any message that is not
a valid CloudEvent. Installed by scripts/deps/cloudevents.sh.
"""
import datetime
import json
import sys
import time

from cloudevents.kafka import KafkaMessage, from_binary
from confluent_kafka import Consumer


def main(bootstrap, count, topics):
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"cloudevents-reader-{time.time_ns()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe(topics)
    seen, failures = 0, 0
    deadline = time.monotonic() + 60
    while seen < count and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None or message.error():
            continue
        seen += 1
        headers = {name: value for name, value in (message.headers() or [])}
        try:
            event = from_binary(KafkaMessage(headers=headers, key=message.key(), value=message.value()))
            moment = datetime.datetime.fromisoformat(event["time"])
            assert moment.tzinfo is not None and moment.utcoffset() == datetime.timedelta(0), event["time"]
            data = event.get_data()
            print(json.dumps({
                "topic": message.topic(),
                "specversion": event["specversion"], "id": event["id"], "source": event["source"], "type": event["type"],
                "time": event["time"], "datacontenttype": event["datacontenttype"],
                "driftwatch_id": headers.get("driftwatch-id", b"").decode(),
                "data_type": data.get("type"), "data_id": data.get("id"),
            }, sort_keys=True))
        except Exception as error:  # noqa: BLE001 - every failure is reported
            failures += 1
            print(json.dumps({"topic": message.topic(), "error": f"{type(error).__name__}: {error}"}), flush=True)
    consumer.close()
    print(json.dumps({"read": seen, "failures": failures}), flush=True)
    return 1 if failures or seen < count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3:]))
