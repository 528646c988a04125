"""Serializes driftwatch's JSON events with the confluent-kafka client's own serializers,
registering their schemas in a real schema registry, for SchemaRegistryTests.

    serialize_events.py REGISTRY_URL events.jsonl > framed.hex

Each input line (one JSON event) becomes one output line: the hex of the message value in
Confluent Schema Registry framing. Even lines go through AvroSerializer (subject
`driftwatch-avro-value`), odd lines through JSONSerializer (`driftwatch-json-value`, which
also validates each event against the JSON Schema).
"""
import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

AVRO_SCHEMA = {
    "type": "record", "name": "Event", "namespace": "io.driftwatch.test",
    "fields": [
        {"name": "event", "type": {"type": "enum", "name": "EventType", "symbols": ["prediction", "label"]}},
        {"name": "model", "type": ["null", "string"], "default": None},
        {"name": "version", "type": ["null", "string"], "default": None},
        {"name": "id", "type": "string"},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "features", "type": ["null", {"type": "map", "values": ["null", "long", "double", "string", "boolean"]}], "default": None},
        {"name": "score", "type": ["null", "double"], "default": None},
        {"name": "label_pred", "type": ["null", "int"], "default": None},
        {"name": "label", "type": ["null", "int"], "default": None},
        {"name": "segment", "type": ["null", {"type": "map", "values": "string"}], "default": None},
    ],
}

JSON_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Event",
    "type": "object",
    "properties": {
        "event": {"enum": ["prediction", "label"]},
        "id": {"type": "string"},
        "ts": {"type": "integer"},
        "features": {"type": "object"},
        "segment": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["event", "id", "ts"],
}


def main():
    registry = SchemaRegistryClient({"url": sys.argv[1]})
    avro = AvroSerializer(registry, json.dumps(AVRO_SCHEMA), lambda event, _: event)
    json_schema = JSONSerializer(json.dumps(JSON_SCHEMA), registry, lambda event, _: event)
    with open(sys.argv[2], encoding="utf-8") as lines:
        serialize(lines, avro, json_schema)


def serialize(lines, avro, json_schema):
    for index, line in enumerate(lines):
        event = json.loads(line)
        if index % 2 == 0:
            for field in AVRO_SCHEMA["fields"]:
                event.setdefault(field["name"], None)
            value = avro(event, SerializationContext("driftwatch-avro", MessageField.VALUE))
        else:
            value = json_schema(event, SerializationContext("driftwatch-json", MessageField.VALUE))
        print(value.hex())


main()
