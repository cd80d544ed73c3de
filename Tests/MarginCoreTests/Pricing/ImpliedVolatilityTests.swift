#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MarginCore
import Testing

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, seedable, deterministic generator for reproducible test cases.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [a, b).
    mutating func uniform(_ a: Double, _ b: Double) -> Double { Double.random(in: a..<b, using: &self) }

    /// Log-uniform in [a, b).
    mutating func logUniform(_ a: Double, _ b: Double) -> Double { exp(uniform(log(a), log(b))) }
}

@Suite struct ImpliedVolatilityTests {
    /// Hour as a year fraction (MARGIN_MODEL.md: 365-day year).
    static let hour = 1.0 / (365 * 24)

    /// price → iv → price over 12,000 random options: vols 0.05–3, expiries 1 hour–3 years (log-uniform),
    /// standardised moneyness ln(F/K)/(σ√T) uniform in ±6 (wings well beyond 3σ√T), rates −5%..10%, calls and puts.
    /// Accepted: σ within 1e-8 relative, or the repriced option within 1e-10 relative (deep ITM options whose time
    /// value is below the price's rounding, where only the price is identifiable). OTM options must recover σ.
    @Test func randomRoundTrips() throws {
        var rng = SplitMix64(seed: 0x5EED_1234_ABCD_0001)
        let cases = 12_000
        var skipped = 0
        var checked = 0
        var volRecovered = 0
        var worstPrice = 0.0
        for i in 0..<cases {
            let f = rng.logUniform(1, 200_000)
            let sigma = rng.logUniform(0.05, 3.0)
            let t = rng.logUniform(Self.hour, 3.0)
            let z = rng.uniform(-6, 6)
            let k = f * exp(-z * sigma * t.squareRoot())
            let r = rng.uniform(-0.05, 0.10)
            let right: OptionRight = rng.next() & 1 == 0 ? .call : .put
            let price = Black76.price(forward: f, strike: k, years: t, vol: sigma, rate: r, right: right)
            // Not identifiable: (almost) zero.
            if price < 1e-12 * f {
                skipped += 1
                continue
            }
            let iv = try ImpliedVolatility.solve(price: price, forward: f, strike: k, years: t, rate: r, right: right)
            let repriced = Black76.price(forward: f, strike: k, years: t, vol: iv, rate: r, right: right)
            let volError = abs(iv - sigma) / sigma
            let priceError = abs(repriced - price) / price
            let context = "case \(i): F=\(f) K=\(k) T=\(t) σ=\(sigma) r=\(r) \(right): iv=\(iv) repriced=\(repriced)"
            #expect(volError <= 1e-8 || priceError <= 1e-10, "\(context)")
            if right.sign * (f - k) <= 0 { #expect(volError <= 1e-8, "\(context)") }
            checked += 1
            if volError <= 1e-8 { volRecovered += 1 }
            worstPrice = max(worstPrice, priceError)
        }
        #expect(checked + skipped == cases)
        #expect(checked >= 10_000)
        // Only OTM options more than ~5 standard deviations out with sub-day expiries fall below 1e-12·F.
        #expect(skipped < cases / 50, "skipped \(skipped)")
        // Nearly all recover σ itself; the rest are deep ITM, where only the price is identifiable.
        #expect(volRecovered >= checked * 90 / 100, "σ recovered in \(volRecovered) of \(checked)")
        #expect(worstPrice <= 1e-10, "worst relative price error \(worstPrice)")
        print("IV round trips: \(checked) checked, \(skipped) skipped, σ recovered in \(volRecovered), worst price error \(worstPrice)")
    }

    /// OTM options with a time value ≥ 1e-10·F: σ itself comes back to 1e-10 relative.
    @Test func otmVolRecoveredTightly() throws {
        var rng = SplitMix64(seed: 42)
        var count = 0
        for _ in 0..<2_000 {
            let f = 100.0
            let sigma = rng.logUniform(0.05, 3.0)
            let t = rng.logUniform(Self.hour, 3.0)
            let k = f * exp(rng.uniform(-5, 5) * sigma * t.squareRoot())
            let right: OptionRight = k >= f ? .call : .put
            let price = Black76.price(forward: f, strike: k, years: t, vol: sigma, rate: 0.03, right: right)
            guard price >= 1e-10 * f else { continue }
            let iv = try ImpliedVolatility.solve(price: price, forward: f, strike: k, years: t, rate: 0.03, right: right)
            #expect(abs(iv - sigma) <= 1e-10 * sigma, "K=\(k) T=\(t) σ=\(sigma): iv=\(iv)")
            count += 1
        }
        #expect(count > 1_800)
    }

    /// Haug's Black-76 example (F = K = 19, T = 0.75, r = 0.10, 1.701050725236268) gives back σ = 0.28.
    @Test func haugExampleInverts() throws {
        for right in OptionRight.allCases {
            let iv = try ImpliedVolatility.solve(price: 1.701050725236268, forward: 19, strike: 19, years: 0.75,
                                                 rate: 0.10, right: right)
            #expect(abs(iv - 0.28) < 1e-12)
        }
    }

    /// Extreme but valid inputs: 1-hour expiries, far wings, very high total vol, tiny and huge prices.
    @Test func extremes() throws {
        let cases: [(f: Double, k: Double, t: Double, sigma: Double, right: OptionRight)] = [
            (100, 100, Self.hour, 0.05, .call),           // ATM, total vol ≈ 5e-4
            (100, 100.3, Self.hour, 0.05, .call),         // ≈ 5.6 standard deviations OTM
            (100, 10_000, 3, 3.0, .call),                 // far OTM, huge vol
            (100, 0.01, 3, 3.0, .put),                    // far OTM put
            (100, 100, 3, 3.0, .call),                    // total vol 5.2
            (100, 100, 3, 5.0, .put),                     // total vol 8.7: price within 1e-5 of its bound
            (1e-6, 1.1e-6, 0.5, 0.8, .call),              // tiny prices (scale invariance)
            (1e9, 8e8, 0.25, 0.6, .put),
        ]
        for c in cases {
            let price = Black76.price(forward: c.f, strike: c.k, years: c.t, vol: c.sigma, rate: 0.02, right: c.right)
            let iv = try ImpliedVolatility.solve(price: price, forward: c.f, strike: c.k, years: c.t, rate: 0.02,
                                                 right: c.right)
            #expect(abs(iv - c.sigma) <= 1e-9 * c.sigma, "\(c): iv=\(iv)")
        }
    }

    /// Deep ITM, 1 hour, 5.6 standard deviations: the time value (≈ 8e-11) is below the price's rounding, so only
    /// the price is identifiable. The solve goes through the OTM put and reprices the call to the last bit or so.
    @Test func deepInTheMoneyShortExpiry() throws {
        let price = Black76.price(forward: 100, strike: 99.7, years: Self.hour, vol: 0.05, rate: 0.02, right: .call)
        let iv = try ImpliedVolatility.solve(price: price, forward: 100, strike: 99.7, years: Self.hour, rate: 0.02,
                                             right: .call)
        let repriced = Black76.price(forward: 100, strike: 99.7, years: Self.hour, vol: iv, rate: 0.02, right: .call)
        #expect(abs(repriced - price) <= 4 * price.ulp)
        #expect(abs(iv - 0.05) < 1e-3)
        // The same option given as its accurately computed OTM put recovers σ to 1e-10.
        let put = Black76.price(forward: 100, strike: 99.7, years: Self.hour, vol: 0.05, rate: 0.02, right: .put)
        let ivPut = try ImpliedVolatility.solve(price: put, forward: 100, strike: 99.7, years: Self.hour, rate: 0.02,
                                                right: .put)
        #expect(abs(ivPut - 0.05) <= 1e-10 * 0.05)
    }

    /// A price with no time value (OTM at 0, ITM at its discounted intrinsic value) returns σ = 0, which reprices it.
    @Test func zeroTimeValueGivesZeroVol() throws {
        #expect(try ImpliedVolatility.solve(price: 0, forward: 100, strike: 120, years: 0.5, rate: 0.05, right: .call) == 0)
        let intrinsic = exp(-0.05 * 0.5) * 20
        let iv = try ImpliedVolatility.solve(price: intrinsic, forward: 100, strike: 120, years: 0.5, rate: 0.05,
                                             right: .put)
        #expect(iv == 0)
        #expect(Black76.price(forward: 100, strike: 120, years: 0.5, vol: iv, rate: 0.05, right: .put) == intrinsic)
    }

    @Test func priceBelowIntrinsic() {
        let intrinsic = exp(-0.05) * 20
        #expect(throws: ImpliedVolatilityError.belowIntrinsic(price: 19, intrinsic: intrinsic)) {
            try ImpliedVolatility.solve(price: 19, forward: 120, strike: 100, years: 1, rate: 0.05, right: .call)
        }
        #expect(throws: ImpliedVolatilityError.belowIntrinsic(price: 19, intrinsic: intrinsic)) {
            try ImpliedVolatility.solve(price: 19, forward: 100, strike: 120, years: 1, rate: 0.05, right: .put)
        }
    }

    @Test func priceAboveUpperBound() {
        let discount = exp(-0.05)
        // Call: bound e^{−rT}·F; put: e^{−rT}·K. At the bound the vol would be infinite.
        #expect(throws: ImpliedVolatilityError.aboveUpperBound(price: 101, bound: discount * 100)) {
            try ImpliedVolatility.solve(price: 101, forward: 100, strike: 80, years: 1, rate: 0.05, right: .call)
        }
        #expect(throws: ImpliedVolatilityError.aboveUpperBound(price: discount * 100, bound: discount * 100)) {
            try ImpliedVolatility.solve(price: discount * 100, forward: 100, strike: 80, years: 1, rate: 0.05,
                                        right: .call)
        }
        #expect(throws: ImpliedVolatilityError.aboveUpperBound(price: 90, bound: discount * 80)) {
            try ImpliedVolatility.solve(price: 90, forward: 100, strike: 80, years: 1, rate: 0.05, right: .put)
        }
    }

    @Test func invalidInputs() {
        func error(price: Double = 5, forward: Double = 100, strike: Double = 100, years: Double = 0.5,
                   rate: Double = 0.01) -> ImpliedVolatilityError? {
            do {
                _ = try ImpliedVolatility.solve(price: price, forward: forward, strike: strike, years: years,
                                                rate: rate, right: .call)
                return nil
            } catch {
                return error
            }
        }
        #expect(error() == nil)
        if case .notFinite(.price, let v)? = error(price: .nan) { #expect(v.isNaN) } else { Issue.record("NaN price") }
        #expect(error(price: .infinity) == .notFinite(field: .price, value: .infinity))
        if case .notFinite(.forward, _)? = error(forward: .nan) {} else { Issue.record("NaN forward") }
        #expect(error(strike: -.infinity) == .notFinite(field: .strike, value: -.infinity))
        #expect(error(years: .infinity) == .notFinite(field: .years, value: .infinity))
        if case .notFinite(.rate, _)? = error(rate: .nan) {} else { Issue.record("NaN rate") }
        #expect(error(price: -1) == .negative(field: .price, value: -1))
        #expect(error(forward: 0) == .notPositive(field: .forward, value: 0))
        #expect(error(forward: -100) == .notPositive(field: .forward, value: -100))
        #expect(error(strike: -5) == .notPositive(field: .strike, value: -5))
        #expect(error(years: 0) == .expiryNotPositive(years: 0))
        #expect(error(years: -0.1) == .expiryNotPositive(years: -0.1))
        #expect(error(price: -1)?.description.hasPrefix("price:") == true)
    }
}
