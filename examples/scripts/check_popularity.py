#!/usr/bin/env python3
"""Independent check of the SDK's popularity baseline metrics (not used by the SDK itself).

Reads a sequences file (`user item item ...`), counts item occurrences in the training parts
(items[:-2] of users with >= 3 items, all items of shorter users), and for every user with >= 3
items computes the 0-based rank of the target (test: last item, valid: second-to-last) under the
order "higher count first, then lower item id", over all items 1..N except the history's items
(the target itself is always ranked). Instead of scanning all N items per user, it uses the
global position of each item in that order and subtracts the history items placed before the
target. Prints Recall/NDCG/MRR at 5, 10, 20 as JSON.

Usage: python3 check_popularity.py SEQUENCES [test|valid]
"""
import json
import math
import sys


def main():
    path = sys.argv[1]
    split = sys.argv[2] if len(sys.argv) > 2 else "test"
    seqs = []
    n_items = 0
    with open(path) as f:
        for line in f:
            tok = line.split()
            if not tok:
                continue
            s = [int(x) for x in tok[1:]]
            seqs.append(s)
            n_items = max(n_items, max(s))
    counts = [0] * (n_items + 1)
    for s in seqs:
        train = s[:-2] if len(s) >= 3 else s
        for i in train:
            counts[i] += 1
    order = sorted(range(1, n_items + 1), key=lambda i: (-counts[i], i))
    pos = [0] * (n_items + 1)
    for p, i in enumerate(order):
        pos[i] = p
    ks = (5, 10, 20)
    sums = {f"{m}@{k}": 0.0 for k in ks for m in ("recall", "ndcg", "mrr")}
    users = 0
    for s in seqs:
        if len(s) < 3:
            continue
        users += 1
        if split == "test":
            hist, target = s[:-1], s[-1]
        else:
            hist, target = s[:-2], s[-2]
        before = sum(1 for h in set(hist) if h != target and pos[h] < pos[target])
        rank = pos[target] - before
        for k in ks:
            if rank < k:
                sums[f"recall@{k}"] += 1.0
                sums[f"ndcg@{k}"] += 1.0 / math.log2(rank + 2)
                sums[f"mrr@{k}"] += 1.0 / (rank + 1)
    out = {key: v / users for key, v in sums.items()}
    out["users"] = users
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
