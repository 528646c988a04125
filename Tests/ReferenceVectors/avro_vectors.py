"""Avro binary reference vectors for driftwatch's Avro decoder, written by fastavro.

For each case: the schema, and for each datum the Avro binary encoding (hex) written by
fastavro's schemaless_writer — or, for encodings fastavro's writer never produces
(negative block counts, several blocks), bytes built here by hand and checked by reading
them back with fastavro's schemaless_reader — and the JSON driftwatch must decode it to
(unions as their branch's value, bytes/fixed as U+0000-U+00FF strings, decimals exact).

    pip install fastavro==1.13.1
    python3 Tests/ReferenceVectors/avro_vectors.py > fixtures/vectors/avro.json
"""
import decimal
import io
import json
import struct
import uuid

import fastavro


def zigzag(n):
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def render(value):
    """The expected JSON text; decimals as exact numbers."""
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        return json.dumps(bytes(value).decode("latin-1"))
    if isinstance(value, uuid.UUID):
        return json.dumps(str(value))
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + render(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(render(v) for v in value) + "]"
    raise TypeError(type(value))


def write(schema, datum):
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(schema), datum)
    return buffer.getvalue()


def read(schema, data):
    return fastavro.schemaless_reader(io.BytesIO(data), fastavro.parse_schema(schema), None,
                                      return_record_name=False)


cases = []


def case(name, schema, data, expected=None, raw=None):
    """`data` are datums to write; `raw` are (bytes, datum) pairs written by hand."""
    datums = []
    for datum in data:
        encoded = write(schema, datum)
        read(schema, encoded)  # round trip: fastavro accepts what it wrote
        datums.append({"hex": encoded.hex(), "json": render(expected(datum) if expected else datum)})
    for encoded, datum in raw or []:
        assert read(schema, encoded) == datum, (name, read(schema, encoded), datum)
        datums.append({"hex": encoded.hex(), "json": render(datum)})
    cases.append({"name": name, "schema": json.dumps(schema), "datums": datums})


I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1

case("null", "null", [None])
case("boolean", "boolean", [True, False])
case("int", "int", [0, 1, -1, 63, -64, 64, 300, I32_MIN, I32_MAX])
case("long", "long", [0, -1, 1, 1 << 40, -(1 << 40), I64_MIN, I64_MAX])
case("float", "float", [0.0, 1.5, -2.25, 0.1, 3.4028234663852886e38, 1e-45],
     expected=lambda v: struct.unpack("<f", struct.pack("<f", v))[0])  # widened from 32 bits, as fastavro reads it
case("double", "double", [0.0, -0.0, 0.1, 1e-300, 1.7976931348623157e308, 5e-324, 123456.789])
case("string", "string", ["", "plain", "quote \" backslash \\ tab \t nl \n", "é ü 漢字 🎉", "\x00\x1f"])
case("bytes", "bytes", [b"", b"\x00\x01\xff", b"ab\"\\"])
case("fixed", {"type": "fixed", "name": "F4", "size": 4}, [b"\x00\x7f\x80\xff"])
case("enum", {"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN", "BLUE"]}, ["RED", "BLUE"])
case("array", {"type": "array", "items": "long"}, [[], [1, -2, 3], list(range(-70, 70, 7))])
case("map", {"type": "map", "values": "string"}, [{}, {"a": "x", "b": "é"}])
case("union", ["null", "string", "double"], [None, "text", 2.5])
case("nested unions", {"type": "array", "items": ["null", {"type": "map", "values": ["null", "long", {"type": "array", "items": ["null", "boolean"]}]}]},
     [[None, {"a": 1, "b": None, "c": [True, None, False]}, {}]])
case("date and times", {"type": "record", "name": "Times", "fields": [
    {"name": "date", "type": {"type": "int", "logicalType": "date"}},
    {"name": "time_ms", "type": {"type": "int", "logicalType": "time-millis"}},
    {"name": "time_us", "type": {"type": "long", "logicalType": "time-micros"}},
    {"name": "ts_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "ts_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    {"name": "local_ms", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
    {"name": "local_us", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
]}, [{"date": 19700, "time_ms": 3723004, "time_us": 3723004005, "ts_ms": 1700000000123, "ts_us": 1700000000123456,
      "local_ms": 1700000000123, "local_us": -1}])
case("decimal on bytes", {"type": "bytes", "logicalType": "decimal", "precision": 20, "scale": 4},
     [decimal.Decimal(x) for x in ["0.0000", "1.2345", "-1.2345", "0.0001", "-0.0001", "1234567890123456.7890", "-9999999999999999.9999", "128.0000", "-128.0000"]])
case("decimal scale 0", {"type": "bytes", "logicalType": "decimal", "precision": 38},
     [decimal.Decimal(x) for x in ["0", "-1", "255", "-256", "99999999999999999999999999999999999999"]])
case("decimal on fixed", {"type": "fixed", "name": "Money", "size": 8, "logicalType": "decimal", "precision": 18, "scale": 2},
     [decimal.Decimal(x) for x in ["0.00", "12.34", "-12.34", "-0.01", "9999999999999999.99"]])
case("uuid", {"type": "string", "logicalType": "uuid"}, ["6ba7b810-9dad-11d1-80b4-00c04fd430c8"])

# Named types: namespaces, references to earlier named types, a recursive record.
case("named types", {"type": "record", "name": "Outer", "namespace": "org.example", "fields": [
    {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [{"name": "v", "type": "int"}]}},
    {"name": "again", "type": "Inner"},
    {"name": "qualified", "type": "org.example.Inner"},
    {"name": "other", "type": {"type": "record", "name": "Other", "namespace": "org.other", "fields": [
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
        {"name": "kind2", "type": "Kind"}]}},
    {"name": "kind3", "type": "org.other.Kind"},
    {"name": "md5", "type": {"type": "fixed", "name": "MD5", "namespace": "hashes", "size": 2}},
    {"name": "md5b", "type": "hashes.MD5"},
]}, [{"inner": {"v": 1}, "again": {"v": -2}, "qualified": {"v": 3}, "other": {"kind": "B", "kind2": "A"},
      "kind3": "B", "md5": b"\x01\x02", "md5b": b"\xfe\xff"}])
case("recursive record", {"type": "record", "name": "Node", "fields": [
    {"name": "value", "type": "long"}, {"name": "next", "type": ["null", "Node"]}]},
    [{"value": 1, "next": {"value": 2, "next": {"value": 3, "next": None}}}])

# Block encodings fastavro's writer does not produce: negative counts with byte sizes, several blocks.
long_array = {"type": "array", "items": "long"}
case("array blocks", long_array, [], raw=[
    (zigzag(-2) + zigzag(2) + zigzag(5) + zigzag(-7) + zigzag(0), [5, -7]),
    (zigzag(1) + zigzag(1) + zigzag(-2) + zigzag(4) + zigzag(100) + zigzag(-100) + zigzag(1) + zigzag(3) + zigzag(0), [1, 100, -100, 3]),
])
string_map = {"type": "map", "values": "string"}
case("map blocks", string_map, [], raw=[
    (zigzag(-1) + zigzag(4) + zigzag(1) + b"k" + zigzag(1) + b"v" + zigzag(1) + zigzag(1) + b"x" + zigzag(0) + zigzag(0), {"k": "v", "x": ""}),
])

# The event shape of driftwatch's JSON format, for the end-to-end mapping test.
event_schema = {"type": "record", "name": "Prediction", "namespace": "com.example.ml", "fields": [
    {"name": "event", "type": {"type": "enum", "name": "EventType", "symbols": ["prediction", "label"]}},
    {"name": "model", "type": ["null", "string"]},
    {"name": "version", "type": ["null", "string"], "default": None},
    {"name": "id", "type": "string"},
    {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "features", "type": ["null", {"type": "map", "values": ["null", "double", "string", "boolean", "long"]}]},
    {"name": "score", "type": ["null", "float", "double"]},
    {"name": "label_pred", "type": ["null", "int"]},
    {"name": "label", "type": ["null", "boolean"]},
    {"name": "segment", "type": ["null", {"type": "map", "values": "string"}]},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
]}
events = [
    {"event": "prediction", "model": "credit-risk", "version": "v3", "id": "p-1", "ts": 1700000000123,
     "features": {"f_income": 80015.25, "c_channel": "mobile", "b_flag": True, "n_count": 7, "f_missing": None},
     "score": 0.75, "label_pred": 1, "label": None, "segment": {"gender": "female", "region": "north"},
     "amount": decimal.Decimal("1234.50")},
    {"event": "label", "model": None, "version": None, "id": "p-1", "ts": 1700003600000, "features": None,
     "score": None, "label_pred": None, "label": False, "segment": None, "amount": decimal.Decimal("-0.01")},
]
case("event", event_schema, events)

print(json.dumps({"generator": "Tests/ReferenceVectors/avro_vectors.py", "fastavro": fastavro.__version__, "cases": cases}, indent=1))
