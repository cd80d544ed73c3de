#!/usr/bin/env python3
"""Numpy-vectorized Black-76 over a price x vol x time scenario grid: the peer of `margin bench pricing`.

Values every option over every scenario (21 price moves x 3 vol shifts x 2 time shifts = 126 for the reference grid)
with numpy broadcasting and scipy.special.ndtr, on one thread, and prints one JSON object:
{"valuationsPerSecond": median, "valuationsPerSecondP10": ..., "valuationsPerSecondP90": ..., "nsPerArray": ...,
 "repetitions": ..., "checksum": sum of all prices, ...}.

Same model as MarginCore's Black76Grid: F' = F(1+m), s = max(vol(1+v), minVol), T' = T - tau; T' <= 0 is intrinsic
max(+-(F'-K), 0); otherwise e^{-rT'} max(+-(F' N(+-d1) - K N(+-d2)), 0).

    python3 black76_numpy.py --input grid.json      # options and grid written by `margin bench pricing`
    python3 black76_numpy.py --instruments 1000     # standalone: seeded random options, reference grid
"""
import os

# One thread, set before numpy is imported. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE slow numpy on some machines.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"
for _name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_name, None)

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

try:
    import numpy as np
    import scipy
    from scipy.special import ndtr
except ImportError as error:  # reported by `margin bench pricing` as a note
    print(json.dumps({"error": f"numpy and scipy are needed ({error}); pip install numpy scipy"}))
    sys.exit(3)


def reference_grid():
    price_moves = [-0.15 + 0.30 * i / 20 for i in range(21)]
    return {"priceMoves": price_moves, "volShifts": [-0.30, 0.0, 0.30],
            "timeShifts": [0.0, 86_400 / (365 * 86_400)], "minVol": 0.01}


def random_options(count, seed=7):
    rng = np.random.default_rng(seed)
    forward = 48_000 + 24_000 * rng.random(count)
    day = 1 / 365
    years = day * np.exp(np.log(547.5) * rng.random(count))
    years[9::10] = day * (0.05 + 0.9 * rng.random(len(years[9::10])))
    return {"forward": forward, "strike": np.round(forward * np.exp(-0.5 + rng.random(count))), "years": years,
            "vol": 0.25 + 1.25 * rng.random(count), "rate": np.where(np.arange(count) % 3 == 0, 0.05, 0.0),
            "sign": np.where(np.arange(count) % 2 == 0, 1.0, -1.0)}


def revalue(opts, grid):
    """Prices, shape (options, price moves, vol shifts, time shifts): the batch kernel's price-major layout."""
    col = lambda a: np.asarray(a, dtype=np.float64)[:, None, None, None]  # noqa: E731
    m = np.asarray(grid["priceMoves"])[None, :, None, None]
    v = np.asarray(grid["volShifts"])[None, None, :, None]
    tau = np.asarray(grid["timeShifts"])[None, None, None, :]
    f, k, sign = col(opts["forward"]) * (1 + m), col(opts["strike"]), col(opts["sign"])
    sigma = np.maximum(col(opts["vol"]) * (1 + v), grid["minVol"])
    t = col(opts["years"]) - tau
    live = t > 0
    t_live = np.where(live, t, 1.0)
    sd = sigma * np.sqrt(t_live)
    d1 = np.log(f / k) / sd + 0.5 * sd
    d2 = d1 - sd
    discount = np.exp(-col(opts["rate"]) * t_live)
    price = discount * np.maximum(sign * (f * ndtr(sign * d1) - k * ndtr(sign * d2)), 0.0)
    return np.where(live, price, np.maximum(sign * (f - k), 0.0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", help="JSON with the grid and the options (written by margin bench pricing)")
    parser.add_argument("--instruments", type=int, default=1000, help="options when no --input (seeded)")
    parser.add_argument("--repetitions", type=int, default=15, help="minimum repetitions")
    parser.add_argument("--seconds", type=float, default=1.0, help="minimum seconds of repetitions")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="time repetitions by elapsed time or by this thread's CPU time")
    args = parser.parse_args()

    if args.input:
        with open(args.input) as handle:
            data = json.load(handle)
        grid = {key: data[key] for key in ("priceMoves", "volShifts", "timeShifts", "minVol")}
        opts = {key: np.asarray(data[key], dtype=np.float64)
                for key in ("forward", "strike", "years", "vol", "rate", "sign")}
    else:
        grid, opts = reference_grid(), random_options(args.instruments)
    count = len(opts["forward"])
    scenarios = len(grid["priceMoves"]) * len(grid["volShifts"]) * len(grid["timeShifts"])

    checksum = float(revalue(opts, grid).sum())  # warm-up, and the sum compared with the batch kernel's
    clock = time.perf_counter if args.clock == "wall" else time.thread_time
    times = []
    start = time.perf_counter()
    while len(times) < args.repetitions or time.perf_counter() - start < args.seconds:
        t0 = clock()
        revalue(opts, grid)
        times.append(clock() - t0)
    times = np.asarray(times)
    median, p10, p90 = np.median(times), np.quantile(times, 0.1), np.quantile(times, 0.9)
    valuations = count * scenarios
    print(json.dumps({
        "valuationsPerSecond": valuations / median,
        "valuationsPerSecondP10": valuations / p90,
        "valuationsPerSecondP90": valuations / p10,
        "nsPerArray": median / count * 1e9,
        "options": count,
        "scenarios": scenarios,
        "repetitions": len(times),
        "clock": args.clock,
        "checksum": checksum,
        "versions": f"numpy {np.__version__}, scipy {scipy.__version__}, python {sys.version.split()[0]}",
    }))


if __name__ == "__main__":
    main()
