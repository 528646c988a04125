"""Reference values for driftwatch's CRC-32 (DriftCore's CRC32, the checksum of checkpoints
and persisted blobs).

Run once from the repository root:  python3 Tests/ReferenceVectors/crc32_vectors.py
(standard library only).

Writes fixtures/vectors/crc32.json: "cases", each a byte string (its bytes as numbers) and Python's
zlib.crc32 of it: every length from 0 to 40 (the byte-wise tail and the eight-byte steps
around it), the check string "123456789", all 256 byte values, runs of 0x00 and 0xFF, and
seeded random strings of 1,000 to 20,011 bytes.
"""
import json
import os
import random
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def main():
    rng = random.Random(20261206)
    texts = [bytes(rng.randrange(256) for _ in range(length)) for length in range(41)]
    texts += [b"123456789", bytes(range(256)), bytes(100), b"\xff" * 100]
    texts += [rng.randbytes(length) for length in (1000, 4099, 20_011)]
    cases = [{"bytes": list(text), "crc": zlib.crc32(text)} for text in texts]
    path = os.path.join(ROOT, "fixtures", "vectors", "crc32.json")
    with open(path, "w") as out:
        json.dump({"source": "python zlib.crc32", "cases": cases}, out, separators=(",", ":"), sort_keys=True)
        out.write("\n")


if __name__ == "__main__":
    main()
