import Foundation
import MarginCore

/// The built-in crash scenarios of `margin simulate --scenario`: deterministic price paths (a shape through fixed
/// anchors, plus seeded noise) for BTC and ETH, with the ATM vol moving with the drawdown.
///
/// - `march-2020`: −39% in one day with implied vol doubling, as BTC on 12 March 2020: two legs down, each breaking
///   in one 5-minute candle (−13% at 11:00, −15% at 22:00, the gaps through which that day's books emptied and
///   liquidations outran the market), a weak bounce between; ETH falls 1.15× as much in log terms. 24 h in 5-minute
///   steps.
/// - `three-day-50`: −50% over 3 days, in three legs; vol × 1.6 at the bottom. 72 h in 15-minute steps.
/// - `squeeze-25`: +25% in 6 hours (a short squeeze); vol × 1.3. 1-minute steps.
/// - `slow-bleed`: −30% over 30 days, steadily; vol × 1.1. 2-hour steps.
public enum CrashScenario: String, CaseIterable, Sendable {
    case march2020 = "march-2020"
    case threeDay50 = "three-day-50"
    case squeeze25 = "squeeze-25"
    case slowBleed = "slow-bleed"

    /// The scenario by its name, or an error listing the known ones.
    public static func named(_ text: String, path: String = "--scenario") throws(InputError) -> CrashScenario {
        guard let s = CrashScenario(rawValue: text) else {
            throw .invalid(path: path, reason: "unknown scenario \"\(text)\" (known scenarios: "
                + allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        return s
    }

    /// (hours, BTC index factor) anchors, the step in seconds, the vol factor at the deepest move, and the summary.
    var shape: (anchors: [(Double, Double)], step: Int64, volAtExtreme: Double, summary: String) {
        switch self {
        case .march2020:
            return ([(0, 1.0), (6, 0.97), (10, 0.93), (10 + 55.0 / 60, 0.92), (11, 0.80), (12, 0.75), (16, 0.78),
                     (20, 0.74), (22 - 5.0 / 60, 0.72), (22, 0.61), (24, 0.62)], 300, 2.0, "−39% in one day with implied vol doubling (BTC, 12 March 2020)")
        case .threeDay50:
            return ([(0, 1.0), (12, 0.88), (24, 0.80), (36, 0.70), (48, 0.66), (60, 0.55), (72, 0.50)], 900, 1.6,
                    "−50% over three days in three legs")
        case .squeeze25:
            return ([(0, 1.0), (2, 1.06), (4, 1.15), (5, 1.22), (6, 1.25)], 60, 1.3, "+25% in six hours")
        case .slowBleed:
            return ([(0, 1.0), (240, 0.90), (480, 0.80), (720, 0.70)], 7_200, 1.1, "−30% over thirty days")
        }
    }

    /// The path, with seeded noise (a 40%-vol random walk in log price around the shape, pinned to the anchors).
    public func path(seed: UInt64 = 1) -> PricePath {
        let shape = self.shape
        let end = Int64((shape.anchors.last?.0 ?? 0) * 3_600)
        let extreme = shape.anchors.map(\.1).map { abs(Foundation.log($0)) }.max() ?? 0
        var rng = SplitMix64(seed: seed)
        var noise = 0.0
        var steps: [PricePath.Step] = []
        var t: Int64 = 0
        while t <= end {
            let hours = Double(t) / 3_600
            let btcShape = Self.interpolate(shape.anchors, at: hours)
            // Noise mean-reverts (half-life about an hour) so the path stays near its anchors.
            let dt = Double(shape.step) / Instant.secondsPerYear
            noise = noise * Foundation.exp(-Double(shape.step) / 5_000) + 0.4 * dt.squareRoot() * rng.gaussian()
            let pinned = t == 0 || t == end ? 0 : noise
            let btcLog = Foundation.log(btcShape) + pinned
            let ethLog = 1.15 * Foundation.log(btcShape) + 1.1 * pinned
            let depth = extreme > 0 ? min(1, abs(Foundation.log(btcShape)) / extreme) : 0
            let vol = 1 + (shape.volAtExtreme - 1) * depth
            steps.append(PricePath.Step(seconds: t, index: ["BTC": Foundation.exp(btcLog), "ETH": Foundation.exp(ethLog)],
                                        vol: ["BTC": vol, "ETH": vol]))
            t += shape.step
        }
        return PricePath(name: rawValue, summary: shape.summary, steps: steps)
    }

    /// Piecewise-linear interpolation of (x, y) anchors, flat outside.
    static func interpolate(_ anchors: [(Double, Double)], at x: Double) -> Double {
        guard let first = anchors.first, let last = anchors.last else { return 1 }
        if x <= first.0 { return first.1 }
        if x >= last.0 { return last.1 }
        for (a, b) in zip(anchors, anchors.dropFirst()) where x <= b.0 {
            return a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)
        }
        return last.1
    }
}
