"""Reference values for driftwatch's XXH64 (MonitorCore's XXHash64, the label join's hash
of prediction ids).

Run once from the repository root:  python3 Tests/ReferenceVectors/xxhash_vectors.py
(needs the xxhash package, pinned in requirements.txt).

Writes fixtures/vectors/xxhash64.json: "cases", each a byte string (its bytes as numbers)
and xxhash.xxh64_intdigest of it (seed 0): every length from 0 to 72 (the 1-, 4- and
8-byte tails and one and two 32-byte stripes), the empty string, UUIDs as text (the usual
prediction id, 36 bytes), all 256 byte values and seeded random strings up to 4,099 bytes.
"""
import json
import os
import random
import uuid

import xxhash

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def main():
    rng = random.Random(20261206)
    texts = [bytes(rng.randrange(256) for _ in range(length)) for length in range(73)]
    texts += [str(uuid.UUID(int=rng.getrandbits(128))).encode() for _ in range(8)]
    texts += [b"pred-000000001", bytes(range(256)), b"\xff" * 100]
    texts += [rng.randbytes(length) for length in (1000, 4099)]
    cases = [{"bytes": list(text), "hash": str(xxhash.xxh64_intdigest(text))} for text in texts]
    path = os.path.join(ROOT, "fixtures", "vectors", "xxhash64.json")
    with open(path, "w") as out:
        json.dump({"source": "python xxhash %s xxh64_intdigest, seed 0" % xxhash.VERSION, "cases": cases},
                  out, separators=(",", ":"), sort_keys=True)
        out.write("\n")


if __name__ == "__main__":
    main()
