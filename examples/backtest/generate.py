#!/usr/bin/env python3
"""Writes the backtest book templates of examples/backtest/ (python3 examples/backtest/generate.py).

Templates give strikes as moneyness and expiries as tenorDays: `margin backtest` instantiates them afresh every day.
The market-maker book's perpetual hedge is the options' delta at a 60% vol, so the book is delta-neutral on the day
(up to the day's vol).
"""
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, book):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(book, f, indent=1)
        f.write("\n")


def option(moneyness, tenor, right, quantity, settlement="linear"):
    return {"kind": "option", "underlying": "BTC", "moneyness": moneyness, "tenorDays": tenor, "right": right,
            "quantity": quantity, "settlement": settlement}


def delta(moneyness, tenor, right, vol=0.60):
    """Black-76 delta per coin (zero rates, F = S): N(d1) for a call, N(d1) - 1 for a put."""
    t = tenor / 365
    d1 = (-math.log(moneyness) + 0.5 * vol * vol * t) / (vol * math.sqrt(t))
    n = 0.5 * math.erfc(-d1 / math.sqrt(2))
    return n if right == "call" else n - 1


write("leveraged-perpetual.json", {
    "account": "leveraged-perpetual",
    "balances": {"USDC": 25000},
    "positions": [{"kind": "perpetual", "underlying": "BTC", "quantity": 5, "settlement": "linear"}],
})

write("short-straddle-30d.json", {
    "account": "short-straddle-30d",
    "balances": {"USDC": 100000},
    "positions": [option(1.0, 30, "call", -10), option(1.0, 30, "put", -10)],
})

write("covered-call.json", {
    "account": "covered-call",
    "balances": {"BTC": 10},
    "positions": [option(1.1, 30, "call", -10)],
})

tenors = [7, 14, 30, 60, 90, 180]
moneyness = [0.8, 0.85, 0.9, 0.95, 0.98, 1.02, 1.05, 1.1, 1.15, 1.2]
positions = []
net_delta = 0.0
for i, tenor in enumerate(tenors):
    for j, m in enumerate(moneyness):
        right = "put" if m < 1 else "call"
        # Short the near strikes, long the wings; sizes vary deterministically.
        sign = -1 if 0.9 <= m <= 1.1 else 1
        quantity = sign * round(1 + ((i * 7 + j * 3) % 5) * 0.5, 1)
        positions.append(option(m, tenor, right, quantity))
        net_delta += quantity * delta(m, tenor, right)
positions.append({"kind": "perpetual", "underlying": "BTC", "quantity": round(-net_delta, 4), "settlement": "linear"})
write("market-maker.json", {"account": "market-maker", "balances": {"USDC": 500000}, "positions": positions})
