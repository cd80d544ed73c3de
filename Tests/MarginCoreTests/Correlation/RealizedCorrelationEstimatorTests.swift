import MarginCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64 with Box–Muller normals, for the synthetic paths.
private struct PathRNG {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / Double(1 << 53) }
    mutating func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()) }
}

@Suite struct RealizedCorrelationEstimatorTests {
    static let start = Instant(iso8601: "2026-01-05T00:00:00Z")!

    /// A correlated geometric Brownian motion over BTC, ETH, SOL with ρ(BTC,ETH) = 0.6, ρ(BTC,SOL) = −0.3,
    /// ρ(ETH,SOL) = 0.1 (vols 50%, 70%, 90% a year), updated at irregular times (gaps uniform in 1…90 s, all three
    /// at once) for 4.5 days, sampled on a 60 s clock with a 1-day half-life. The EWMA's effective sample size is
    /// n_eff = (Σw)²/Σw² ≈ 4,000 here (computed below from the decay and the count), and the standard error of a
    /// sample correlation is ≈ (1 − ρ²)/√n_eff (≈ 0.010–0.016); each pair must be within 4 standard errors. The path is
    /// seeded, so the check is deterministic; 4 σ leaves room for the irregular (gap > 60 s) intervals.
    @Test func recoversTheCorrelationOfACorrelatedGBM() throws {
        let names = ["BTC", "ETH", "SOL"]
        let rho: [Double] = [1, 0.6, -0.3, 0.6, 1, 0.1, -0.3, 0.1, 1]
        let vols = [0.5, 0.7, 0.9]
        // Cholesky factor of rho.
        var l = [Double](repeating: 0, count: 9)
        for i in 0..<3 {
            for j in 0...i {
                var s = rho[i * 3 + j]
                for k in 0..<j { s -= l[i * 3 + k] * l[j * 3 + k] }
                l[i * 3 + j] = i == j ? s.squareRoot() : s / l[j * 3 + j]
            }
        }
        var estimator = try RealizedCorrelationEstimator(
            names: names,
            configuration: .init(halfLifeSeconds: 86_400, samplingIntervalSeconds: 60, warmUpSamples: 100))
        var rng = PathRNG(state: 42)
        var logPrice = [log(90_000.0), log(3_100.0), log(150.0)]
        var t: Int64 = 0
        let horizon: Int64 = 4 * 86_400 + 43_200
        try estimator.observe(indices: logPrice.map { exp($0) }, at: RealizedCorrelationEstimatorTests.start)
        while t < horizon {
            let gap = 1 + Int64(rng.next() % 90)
            t += gap
            let dt = Double(gap) / Instant.secondsPerYear
            let z = [rng.normal(), rng.normal(), rng.normal()]
            for i in 0..<3 {
                var w = 0.0
                for k in 0...i { w += l[i * 3 + k] * z[k] }
                logPrice[i] += -0.5 * vols[i] * vols[i] * dt + vols[i] * dt.squareRoot() * w
            }
            try estimator.observe(indices: logPrice.map { exp($0) },
                                  at: RealizedCorrelationEstimatorTests.start.adding(seconds: t))
        }
        let estimate = try #require(estimator.estimate)
        let n = Double(estimate.samples)
        let lambda = estimator.decay
        let sumW = (1 - pow(lambda, n)) / (1 - lambda)
        let sumW2 = (1 - pow(lambda * lambda, n)) / (1 - lambda * lambda)
        let effective = sumW * sumW / sumW2
        #expect(effective > 3_000 && effective < 5_000, "n_eff \(effective)")
        for (a, b, expected) in [("BTC", "ETH", 0.6), ("BTC", "SOL", -0.3), ("ETH", "SOL", 0.1)] {
            let got = try #require(estimate.rho(a, b))
            let tolerance = 4 * (1 - expected * expected) / effective.squareRoot()
            #expect(abs(got - expected) < tolerance, "\(a)/\(b): \(got) vs \(expected) ± \(tolerance)")
        }
        #expect(estimate.rho("ETH", "BTC") == estimate.rho("BTC", "ETH"))
        #expect(estimate.table.rho("BTC", "SOL") == estimate.rho("BTC", "SOL"))
    }

    /// Warm-up and alignment on a hand-made feed (Δ = 60 s, warm-up 3): ticks close only when later market time
    /// arrives; an interval counts once both names have an index at both ends; a gap of m ticks counts m intervals.
    @Test func warmUpAndClockAlignment() throws {
        var e = try RealizedCorrelationEstimator(
            names: ["A", "B"],
            configuration: .init(halfLifeSeconds: 600, samplingIntervalSeconds: 60, warmUpSamples: 3))
        let t0 = RealizedCorrelationEstimatorTests.start  // a whole minute
        try e.observe("A", index: 100, at: t0)
        try e.observe("B", index: 50, at: t0.adding(seconds: 10))  // B first known in (t0, t0+60]
        try e.observe("A", index: 101, at: t0.adding(seconds: 30))
        #expect(e.samples == 0)
        try e.observe("B", index: 51, at: t0.adding(seconds: 70))  // closes tick t0+60: first complete tick
        #expect(e.samples == 0)
        try e.observe("A", index: 102, at: t0.adding(seconds: 125))  // closes t0+120: interval 1
        #expect(e.samples == 1)
        #expect(e.estimate == nil)
        try e.observe("B", index: 52, at: t0.adding(seconds: 130))
        try e.advance(to: t0.adding(seconds: 300))  // closes t0+180 (1 real return) and t0+240 (zero return)
        #expect(e.samples == 3)
        let estimate = try #require(e.estimate)
        #expect(estimate.asOf == t0.adding(seconds: 240))
        // Indices at the ticks: t0+60 (A 101, B 50), t0+120 (A 101, B 51), t0+180 (A 102, B 52), t0+240 (same).
        // Returns: r₁ = (0, ln 51/50), r₂ = (ln 102/101, ln 52/51), r₃ = 0. With λ = 2^(−60/600) the sums are
        // S = (1 − λ)·λ·(λ·r₁r₁ᵀ + r₂r₂ᵀ), so ρ = r₂B / √(λ·r₁B² + r₂B²) (A moved only in interval 2).
        let lambda = exp2(-0.1)
        let r1B = log(51.0 / 50)
        let r2B = log(52.0 / 51)
        let expected = r2B / (lambda * r1B * r1B + r2B * r2B).squareRoot()
        #expect(abs(e.decay - lambda) < 1e-15)
        #expect(abs((estimate.rho("A", "B") ?? 0) - expected) < 1e-12)
        // A constant underlying has no variance: no estimate.
        var flat = try RealizedCorrelationEstimator(
            names: ["A", "B"],
            configuration: .init(halfLifeSeconds: 600, samplingIntervalSeconds: 60, warmUpSamples: 2))
        for k in 0..<10 {
            try flat.observe(indices: [100 + Double(k), 7], at: t0.adding(seconds: Int64(60 * k)))
        }
        #expect(flat.samples >= 2)
        #expect(flat.estimate == nil)
    }

    /// Bad input is a typed error naming the field; nothing traps.
    @Test func rejectsBadInput() throws {
        #expect(throws: InputError.self) { try RealizedCorrelationEstimator(names: ["A", "A"]) }
        #expect(throws: InputError.self) {
            try RealizedCorrelationEstimator(names: ["A"], configuration: .init(halfLifeSeconds: 0))
        }
        #expect(throws: InputError.self) {
            try RealizedCorrelationEstimator(names: ["A"], configuration: .init(samplingIntervalSeconds: 0))
        }
        var e = try RealizedCorrelationEstimator(names: ["A", "B"])
        let t0 = RealizedCorrelationEstimatorTests.start
        try e.observe("A", index: 1, at: t0.adding(seconds: 10))
        #expect(throws: InputError.unknownUnderlying(path: "name", name: "C")) { try e.observe("C", index: 1, at: t0) }
        #expect(throws: InputError.self) { try e.observe("A", index: -1, at: t0.adding(seconds: 20)) }
        #expect(throws: InputError.self) { try e.observe("A", index: .nan, at: t0.adding(seconds: 20)) }
        #expect(throws: InputError.self) { try e.observe("A", index: 2, at: t0) }  // before the last update
        #expect(throws: InputError.self) { try e.observe(indices: [1], at: t0.adding(seconds: 30)) }
    }
}
