#!/usr/bin/env python3
"""Writes the smallest two-tower model of a given dimension into a directory.

Each tower has one id feature whose embedding row is the output vector: no layers, one head.
Benchmarks of snapshots whose item vectors come precomputed (build-snapshot --items) need a
model that loads and matches the index's dimension, since every publish is verified with the
serving loader. Users for a recall check are rows like {"id": 42}.

    python3 bench/scripts/id_tower.py OUT_DIR [DIM] [BUCKETS]
"""
import json
import os
import random
import struct
import sys


def main():
    out = sys.argv[1]
    dim = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    buckets = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(7)
    header, blob = {}, bytearray()
    for tower in ("user", "item"):
        values = [rnd.gauss(0, 1) for _ in range(buckets * dim)]
        data = struct.pack(f"<{len(values)}f", *values)
        header[f"{tower}.embeddings.id.weight"] = {
            "dtype": "F32", "shape": [buckets, dim], "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(blob)

    def tower(name):
        return {"features": [{"name": "id", "type": "id", "embedding": f"{name}.embeddings.id.weight",
                              "dim": dim, "buckets": buckets}],
                "layers": [], "heads": [{"name": name, "l2_normalize": False, "layers": []}]}

    config = {"format": "quiver-tower", "version": 1, "towers": {"user": tower("user"), "item": tower("item")}}
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(config, f, indent=1)


if __name__ == "__main__":
    main()
