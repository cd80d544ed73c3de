#!/usr/bin/env python3
"""The worked example of docs/STATEMENTS.md: a Merkle-sum commitment over 5 accounts, with Python's standard
library only (hashlib, hmac, decimal). Prints each leaf, the root and the totals; margin's own tree must agree
(Tests/MarginStatementsTests/MerkleSumTreeTests.swift holds the same figures)."""
import hashlib, hmac
from decimal import Decimal, ROUND_HALF_EVEN

SECRET = bytes([1]) * 32
# account id, equity, maintenance margin, initial margin (USD, the engine's binary doubles)
ACCOUNTS = [("alice", 1000.0, 200.0, 300.0), ("bob", -50.25, 10.0, 15.0), ("carol", 0.0, 0.0, 0.0),
            ("dave", 123.456789, 50.0, 75.5), ("erin", 2.5e-6, 1e-6, 2e-6)]

def micro(x):  # exact binary value → 1e-6 USD, half to even
    return int((Decimal(x) * 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))

def be(values):
    return b"".join(v.to_bytes(8, "big") for v in values)

leaves = []
for account, equity, mm, im in ACCOUNTS:
    columns = [micro(max(equity, 0.0)), micro(max(-equity, 0.0)), micro(mm), micro(im)]
    id_hash = hashlib.sha256(account.encode()).digest()
    salt = hmac.new(SECRET, account.encode(), hashlib.sha256).digest()
    leaf = hashlib.sha256(b"\x00" + salt + id_hash + be(columns)).digest()
    leaves.append((id_hash, account, leaf, columns))
leaves.sort()
size = 1
while size < len(leaves):
    size *= 2
level = [(leaf, columns) for _, _, leaf, columns in leaves] + [(bytes(32), [0, 0, 0, 0])] * (size - len(leaves))
for i, (_, account, leaf, columns) in enumerate(leaves):
    print(f"leaf {i}: {account} columns {columns} hash {leaf.hex()}")
while len(level) > 1:
    nxt = []
    for (lh, ls), (rh, rs) in zip(level[0::2], level[1::2]):
        sums = [a + b for a, b in zip(ls, rs)]
        assert all(s < 2**64 for s in sums)
        nxt.append((hashlib.sha256(b"\x01" + lh + be(ls) + rh + be(rs)).digest(), sums))
    level = nxt
print("root", level[0][0].hex())
print("totals", level[0][1])
