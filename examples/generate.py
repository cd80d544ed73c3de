#!/usr/bin/env python3
"""Writes the example market and books in examples/ (deterministic: fixed seed). Run from the repo root:
python3 examples/generate.py"""
import json, math, os, random

HERE = os.path.dirname(os.path.abspath(__file__))
T1, T2, T3 = "2026-01-30T08:00:00Z", "2026-03-27T08:00:00Z", "2026-06-26T08:00:00Z"

market = {
    "valuationTime": "2026-01-09T08:00:00Z",
    "underlyings": {
        "BTC": {"index": 90000, "rate": 0.0,
                "forwards": [{"expiry": T1, "price": 90400}, {"expiry": T2, "price": 91500},
                             {"expiry": T3, "price": 93000}],
                "volSurface": [
                    {"expiry": T1, "points": [{"strike": k, "iv": v} for k, v in
                                              [(60000, 0.70), (70000, 0.62), (80000, 0.55), (90000, 0.50),
                                               (100000, 0.52), (110000, 0.56), (130000, 0.64)]]},
                    {"expiry": T2, "points": [{"strike": k, "iv": v} for k, v in
                                              [(60000, 0.66), (70000, 0.60), (90000, 0.53), (120000, 0.57),
                                               (150000, 0.63)]]},
                    {"expiry": T3, "points": [{"strike": k, "iv": v} for k, v in
                                              [(60000, 0.63), (90000, 0.55), (150000, 0.60)]]}]},
        "ETH": {"index": 3100, "rate": 0.0,
                "forwards": [{"expiry": T1, "price": 3115}, {"expiry": T2, "price": 3140}],
                "volSurface": [
                    {"expiry": T1, "points": [{"strike": k, "iv": v} for k, v in
                                              [(2200, 0.80), (2600, 0.72), (3100, 0.65), (3600, 0.68), (4200, 0.75)]]},
                    {"expiry": T2, "points": [{"strike": k, "iv": v} for k, v in
                                              [(2500, 0.72), (3100, 0.66), (4000, 0.70)]]}]},
        "SOL": {"index": 140, "forwards": [{"expiry": T2, "price": 141.5}],
                "volSurface": [{"expiry": T2, "points": [{"strike": 100, "iv": 0.95}, {"strike": 140, "iv": 0.85},
                                                         {"strike": 200, "iv": 0.92}]}]},
    },
    "correlations": [{"pair": ["BTC", "ETH"], "rho": 0.85}, {"pair": ["BTC", "SOL"], "rho": 0.75},
                     {"pair": ["ETH", "SOL"], "rho": 0.80}],
}

def atm_vol(u, expiry):
    """The surface vol of `u` at k = 0 on its slice `expiry` (MARGIN_MODEL.md smile: linear in k = ln(K/F), flat)."""
    und = market["underlyings"][u]
    f = next(x["price"] for x in und["forwards"] if x["expiry"] == expiry)
    pts = sorted((math.log(p["strike"] / f), p["iv"]) for p in
                 next(q["points"] for q in und["volSurface"] if q["expiry"] == expiry))
    if 0 <= pts[0][0]:
        return pts[0][1]
    for (k0, v0), (k1, v1) in zip(pts, pts[1:]):
        if k0 <= 0 <= k1:
            return v0 + (0 - k0) / (k1 - k0) * (v1 - v0)
    return pts[-1][1]


# ETH/BTC cross rate with a flat smile whose ATM vol implies rho(BTC, ETH) = 0.80 at T1 and T2:
# sigma_cross^2 = sigma_ETH^2 + sigma_BTC^2 - 2 rho sigma_ETH sigma_BTC.
cross_points = []
for t in (T1, T2):
    b, e = atm_vol("BTC", t), atm_vol("ETH", t)
    vol = round(math.sqrt(e * e + b * b - 2 * 0.80 * e * b), 6)
    cross_points.append({"expiry": t, "points": [{"strike": k, "iv": vol} for k in (0.025, 0.0345, 0.045)]})
fwd = {x["expiry"]: x["price"] for x in market["underlyings"]["BTC"]["forwards"]}
efwd = {x["expiry"]: x["price"] for x in market["underlyings"]["ETH"]["forwards"]}
market["crossRates"] = [{"base": "ETH", "quote": "BTC", "index": round(3100 / 90000, 8),
                         "forwards": [{"expiry": t, "price": round(efwd[t] / fwd[t], 8)} for t in (T1, T2)],
                         "volSurface": cross_points}]


def opt(u, expiry, strike, right, q, settlement="linear"):
    return {"kind": "option", "underlying": u, "expiry": expiry, "strike": strike, "right": right,
            "quantity": q, "settlement": settlement}

books = {
    "covered-call": {"account": "covered-call", "balances": {"BTC": 10, "USDC": 20000},
                     "positions": [opt("BTC", T2, 110000, "call", -10)]},
    "protective-put": {"account": "protective-put", "balances": {"BTC": 10, "USDC": 10000},
                       "positions": [opt("BTC", T2, 80000, "put", 10)]},
    "calendar-spread": {"account": "calendar-spread", "balances": {"USDC": 50000},
                        "positions": [{"kind": "future", "underlying": "BTC", "expiry": T2, "quantity": -10,
                                       "settlement": "linear"},
                                      {"kind": "future", "underlying": "BTC", "expiry": T3, "quantity": 10,
                                       "settlement": "linear"}]},
    "option-calendar": {"account": "option-calendar", "balances": {"USDC": 50000},
                        "positions": [opt("BTC", T1, 90000, "call", -10), opt("BTC", T3, 90000, "call", 10)]},
    "short-strangle": {"account": "short-strangle", "balances": {"USDC": 400000},
                       "positions": [opt("BTC", T1, 110000, "call", -20), opt("BTC", T1, 70000, "put", -20)]},
    "cross-hedge": {"account": "btc-eth-cross-hedge", "balances": {"USDC": 500000},
                    "positions": [{"kind": "future", "underlying": "BTC", "expiry": T2, "quantity": 10,
                                   "settlement": "linear", "entryPrice": 91000},
                                  {"kind": "future", "underlying": "ETH", "expiry": T2, "quantity": -290,
                                   "settlement": "linear", "entryPrice": 3150}]},
    "coin-collateral": {"account": "eth-collateral-btc-position", "balances": {"ETH": 100},
                        "positions": [{"kind": "perpetual", "underlying": "BTC", "notionalUSD": -200000,
                                       "settlement": "inverse", "entryPrice": 89500},
                                      opt("BTC", T2, 100000, "call", -2, "inverse")]},
    "inverse-mixed": {"account": "inverse-mixed", "balances": {"BTC": 5},
                      "positions": [{"kind": "future", "underlying": "BTC", "expiry": T2, "notionalUSD": -450000,
                                     "settlement": "inverse", "entryPrice": 91200},
                                    opt("BTC", T1, 95000, "call", -3, "inverse"),
                                    opt("BTC", T1, 85000, "put", 3, "inverse")]},
}

# A delta-hedged market-maker book: 60 options over both expiries and the strike ladder, hedged with the perpetual.
rng = random.Random(20260109)
positions = []
for i in range(60):
    expiry = rng.choice([T1, T2, T3])
    strike = rng.choice([70000, 75000, 80000, 85000, 90000, 95000, 100000, 105000, 110000, 120000])
    right = rng.choice(["call", "put"])
    q = round(rng.uniform(-8, 8), 1) or 1.0
    positions.append(opt("BTC", expiry, strike, right, q, rng.choice(["linear", "inverse"])))
# Delta hedge: the book's delta (options + 5 BTC balance) is +27.63 BTC at the example market (margin compute
# --format json, underlyings.BTC.greeks.delta); the perpetual takes it to ~0.
positions.append({"kind": "perpetual", "underlying": "BTC", "quantity": -27.63, "settlement": "linear",
                  "entryPrice": 90000})
books["market-maker-book"] = {"account": "market-maker-book", "balances": {"USDC": 2000000, "BTC": 5},
                              "positions": positions}

with open(os.path.join(HERE, "market.json"), "w") as f:
    json.dump(market, f, indent=1)
for name, book in books.items():
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(book, f, indent=1)
# An index history for `margin correlation --history`: 14 days of 5-minute BTC and ETH closes, a correlated GBM
# (rho = 0.70, 50% and 65% annual vol) ending at the example market's indices.
hist = random.Random(7)
steps, dt = 14 * 288, 300 / (365 * 86400)
lines, b, e = [], 0.0, 0.0
path = []
for i in range(steps):
    z1, z2 = hist.gauss(0, 1), hist.gauss(0, 1)
    b += 0.50 * math.sqrt(dt) * z1
    e += 0.65 * math.sqrt(dt) * (0.70 * z1 + math.sqrt(1 - 0.70 ** 2) * z2)
    path.append((b, e))
t0 = 1767945600 - steps * 300  # 2026-01-09T08:00:00Z minus 14 days
with open(os.path.join(HERE, "index-history.csv"), "w") as f:
    f.write("time,BTC,ETH\n")
    for i, (x, y) in enumerate(path):
        t = t0 + (i + 1) * 300
        stamp = __import__("datetime").datetime.fromtimestamp(t, __import__("datetime").timezone.utc)
        f.write("%s,%.2f,%.2f\n" % (stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), 90000 * math.exp(x - path[-1][0]),
                                    3100 * math.exp(y - path[-1][1])))
print("wrote market.json,", len(books), "books and index-history.csv")
