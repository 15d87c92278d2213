#!/usr/bin/python3
"""A catalogue, users and held-out positives for `quiver eval` on the item multi-head fixture.

Items and users are the fixture's rows with fresh ids. A user's positives are the items that a
noisy copy of its own vector scores best on one item head (click for even users, buy for odd):
positives the model ranks well but not first, as held-out clicks are.

  /usr/bin/python3 tower-runtime/src/test/python/eval_bench_data.py --out DIR [--items N] [--users U]
"""
import argparse
import json
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import team_models as tm  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "tower", "team",
                       "item_multi_head")


def rows(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write(path, rs):
    with open(path, "w", encoding="utf-8") as f:
        for r in rs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--items", type=int, default=50_000)
    p.add_argument("--users", type=int, default=2_000)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rnd = random.Random(3)
    torch.manual_seed(3)
    model = tm.ItemMultiHead()
    model.load_state_dict(tm.ex.read_safetensors(os.path.join(FIXTURE, "model.safetensors")))
    model.eval()
    base_items, base_users = rows(os.path.join(FIXTURE, "item.jsonl")), rows(os.path.join(FIXTURE, "user.jsonl"))
    items = [dict(base_items[i % len(base_items)], item_id=i,
                  authors=[rnd.randrange(10**6) for _ in range(rnd.randrange(1, 4))]) for i in range(a.items)]
    users = [dict(base_users[u % len(base_users)], user_id=f"user-{u}") for u in range(a.users)]
    with torch.no_grad():
        item_vectors = model.embed_item(items)  # [items, 2, dim]
        user_vectors = model.embed_user(users)[:, 0]
    log = []
    for u in range(a.users):
        noisy = user_vectors[u] + 0.5 * user_vectors[u].norm() * torch.randn(user_vectors.shape[1]) / 3
        best = (item_vectors[:, u % 2] @ noisy).topk(3).indices.tolist()
        log += [{"user": f"user-{u}", "item": i} for i in best]
    write(os.path.join(a.out, "items.jsonl"), items)
    write(os.path.join(a.out, "users.jsonl"), users)
    write(os.path.join(a.out, "log.jsonl"), log)


if __name__ == "__main__":
    main()
