import Foundation
import MarginCore
import Testing

@Suite struct VolSurfaceTests {
    /// Valuation time of the hand-made surfaces; expiries are whole seconds after it (1 year = 31 536 000 s).
    static let t0 = Instant(iso8601: "2026-01-01T00:00:00Z")!
    static func expiry(years: Double) -> Instant { t0.adding(seconds: Int64(years * Instant.secondsPerYear)) }

    private func surface(
        _ quotes: [(years: Double, forward: Double, points: [(strike: Double, vol: Double)])]
    ) throws(InputError) -> VolSurface {
        var forwards: [Instant: Double] = [:]
        for q in quotes { forwards[Self.expiry(years: q.years)] = q.forward }
        return try VolSurface(quotes: quotes.map { (Self.expiry(years: $0.years), $0.points) }, valuationTime: Self.t0,
                              forward: { forwards[$0] ?? .nan }, path: "$.vs")
    }

    private func close(_ a: Double, _ b: Double, _ tol: Double = 1e-12) -> Bool { abs(a - b) <= tol }

    // MARK: - Smile

    /// One slice, T = 0.5, F = 100, points K = 80 → 30%, 100 → 20%, 125 → 25%,
    /// i.e. k = ln 0.8 = −0.22314, 0, ln 1.25 = +0.22314.
    @Test func smileIsLinearInLogMoneyness() throws {
        let s = try surface([(0.5, 100, [(80, 0.30), (100, 0.20), (125, 0.25)])])
        func iv(_ k: Double, forward: Double = 100) -> Double { s.vol(strike: k, years: 0.5, forward: forward) }
        // At the points.
        #expect(iv(80) == 0.30)
        #expect(iv(100) == 0.20)
        #expect(iv(125) == 0.25)
        // K = √(80·100) sits halfway in k between 80 and 100 → (0.30 + 0.20)/2 = 0.25.
        #expect(close(iv((80.0 * 100).squareRoot()), 0.25))
        // K = √(100·125) → (0.20 + 0.25)/2 = 0.225.
        #expect(close(iv((100.0 * 125).squareRoot()), 0.225))
        // K = 90, halfway in strike but not in k: w = (ln 0.9 − ln 0.8)/(0 − ln 0.8) = 0.527835,
        // iv = 0.30 − 0.527835 × 0.10 = 0.2472165 (linear in K would give 0.25).
        #expect(close(iv(90), 0.24721647344828152))
    }

    @Test func smileIsFlatBeyondTheWings() throws {
        let s = try surface([(0.5, 100, [(80, 0.30), (100, 0.20), (125, 0.25)])])
        for k in [1e-6, 10, 50, 79.999] { #expect(s.vol(strike: k, years: 0.5, forward: 100) == 0.30) }
        for k in [125.001, 200, 1e6] { #expect(s.vol(strike: k, years: 0.5, forward: 100) == 0.25) }
        // A single point is flat everywhere.
        let one = try surface([(0.5, 100, [(100, 0.42)])])
        for k in [1.0, 100, 1e5] { #expect(one.vol(strike: k, years: 0.5, forward: 100) == 0.42) }
    }

    @Test func optionReadsAtItsOwnLogMoneyness() throws {
        let s = try surface([(0.5, 100, [(80, 0.30), (100, 0.20), (125, 0.25)])])
        // With the option's forward at 110, strike 110 is at the money: k = 0 → 20%.
        #expect(s.vol(strike: 110, years: 0.5, forward: 110) == 0.20)
        // Strike 88 with forward 110 is k = ln 0.8 → 30%.
        #expect(close(s.vol(strike: 88, years: 0.5, forward: 110), 0.30))
    }

    // MARK: - Term structure

    /// Slice A: T = 0.25, F_A = 100, K 100 → 40%, 150 → 50% (k_A = 0, ln 1.5).
    /// Slice B: T = 1, F_B = 120, K 120 → 60%, 180 → 70% (k_B = 0, ln 1.5): each slice uses its own forward.
    private func twoSlices() throws(InputError) -> VolSurface {
        try surface([(1, 120, [(180, 0.70), (120, 0.60)]), (0.25, 100, [(150, 0.50), (100, 0.40)])])
    }

    @Test func eachSliceUsesItsOwnForward() throws {
        let s = try twoSlices()
        #expect(s.slices.map(\.years) == [0.25, 1])
        #expect(s.slices[0].logMoneyness == [0, log(1.5)])
        #expect(s.slices[1].logMoneyness == [0, log(1.5)])
        // At T = 1, forward 120: K = 120 is k = 0 → 60% (against F_A it would be k = ln 1.2).
        #expect(s.vol(strike: 120, years: 1, forward: 120) == 0.60)
        #expect(close(s.vol(strike: 180, years: 1, forward: 120), 0.70))
        #expect(s.vol(strike: 100, years: 0.25, forward: 100) == 0.40)
    }

    @Test func totalVarianceIsInterpolatedInTimeAtTheSameK() throws {
        let s = try twoSlices()
        // T = 0.5, k = 0: w_A = 0.40²·0.25 = 0.04, w_B = 0.60²·1 = 0.36,
        // w = 0.04 + (0.36 − 0.04)·(0.5 − 0.25)/(1 − 0.25) = 0.146667, iv = √(w/0.5) = 0.5416026.
        #expect(close(s.vol(strike: 110, years: 0.5, forward: 110), 0.5416025603090641))
        // T = 0.5, k = ½ ln 1.5: iv_A = 0.45, iv_B = 0.65, w_A = 0.050625, w_B = 0.4225,
        // w = 0.050625 + 0.371875/3 = 0.174583, iv = √(w/0.5) = 0.5909033.
        #expect(close(s.vol(strike: 110 * 1.5.squareRoot(), years: 0.5, forward: 110), 0.5909032633745279))
        // Total variance is linear in T between the slices: w(T) − w_A is proportional to T − T_A.
        for t in stride(from: 0.3, through: 0.95, by: 0.05) {
            let v = s.vol(strike: 100, years: t, forward: 100)
            #expect(close(v * v * t, 0.04 + 0.32 * (t - 0.25) / 0.75, 1e-12))
        }
    }

    @Test func ivIsFlatBeforeTheFirstAndAfterTheLastExpiry() throws {
        let s = try twoSlices()
        for t in [1e-6, 0.1, 0.25] { #expect(s.vol(strike: 100, years: t, forward: 100) == 0.40) }
        for t in [1.0, 2, 30] { #expect(s.vol(strike: 100, years: t, forward: 100) == 0.60) }
        // Flat beyond the wings in k, too.
        #expect(s.vol(strike: 1, years: 0.1, forward: 100) == 0.40)
        #expect(s.vol(strike: 1e6, years: 5, forward: 100) == 0.70)
    }

    @Test func continuityAtSliceExpiries() throws {
        let s = try twoSlices()
        for k in [60.0, 100, 125, 150, 400] {
            let eps = 1e-9
            #expect(close(s.vol(strike: k, years: 0.25 + eps, forward: 100), s.vol(strike: k, years: 0.25, forward: 100), 1e-6))
            #expect(close(s.vol(strike: k, years: 1 - eps, forward: 100), s.vol(strike: k, years: 1, forward: 100), 1e-6))
        }
    }

    // MARK: - Construction errors

    @Test func invalidQuotesNameTheirPath() {
        func path(_ quotes: [(years: Double, forward: Double, points: [(strike: Double, vol: Double)])]) -> String? {
            InputTestFixture.error { () throws(InputError) in try surface(quotes) }?.path
        }
        #expect(path([]) == "$.vs")
        #expect(path([(0.5, 100, [(100, 0.2)]), (-0.1, 100, [(100, 0.2)])]) == "$.vs[1].expiry")
        #expect(path([(0, 100, [(100, 0.2)])]) == "$.vs[0].expiry")
        #expect(path([(0.5, 100, [])]) == "$.vs[0].points")
        #expect(path([(0.5, 100, [(100, 0.2), (-5, 0.2)])]) == "$.vs[0].points[1].strike")
        #expect(path([(0.5, 100, [(.nan, 0.2)])]) == "$.vs[0].points[0].strike")
        #expect(path([(0.5, 100, [(100, 0)])]) == "$.vs[0].points[0].iv")
        #expect(path([(0.5, 100, [(100, .nan)])]) == "$.vs[0].points[0].iv")
        #expect(path([(0.5, 100, [(90, 0.2), (100, .infinity)])]) == "$.vs[0].points[1].iv")
        #expect(path([(0.5, 100, [(90, 0.2), (100, 0.3), (90, 0.25)])]) == "$.vs[0].points")
        #expect(path([(0.5, 100, [(90, 0.2)]), (0.5, 100, [(100, 0.2)])]) == "$.vs")
    }

    // MARK: - UnderlyingMarket

    @Test func forwardIsQuotedOrCarried() throws {
        let oneYear = Self.expiry(years: 1)
        let quoted = Self.expiry(years: 0.5)
        let m = UnderlyingMarket(name: "X", index: 100, rate: 0.05, forwards: [quoted: 101.5], valuationTime: Self.t0)
        #expect(m.forward(expiry: quoted) == 101.5)
        // Unquoted: S·e^{rT} = 100·e^{0.05} = 105.127110.
        #expect(close(m.forward(expiry: oneYear), 105.12710963760242))
        #expect(close(m.forward(expiry: Self.expiry(years: 2)), 100 * exp(0.1)))
        #expect(m.futuresPrice(expiry: quoted) == 101.5)
        #expect(m.perpetualPrice == 100)
        #expect(m.futuresPrice(expiry: nil) == 100)
        var perp = m
        perp.quotedPerpetualPrice = 100.2
        #expect(perp.futuresPrice(expiry: nil) == 100.2)
        // r = 0: F = S.
        let flat = UnderlyingMarket(name: "Y", index: 3100, valuationTime: Self.t0)
        #expect(flat.forward(expiry: oneYear) == 3100)
        #expect(flat.impliedVol(strike: 3100, expiry: oneYear) == nil)
        #expect(m.years(to: oneYear) == 1)
    }

    @Test func impliedVolUsesTheOptionsForward() throws {
        var m = UnderlyingMarket(name: "X", index: 100, rate: 0.05, valuationTime: Self.t0)
        let oneYear = Self.expiry(years: 1)
        let f = m.forward(expiry: oneYear)
        m.volSurface = try VolSurface(quotes: [(oneYear, [(f * 0.8, 0.3), (f, 0.2)])], valuationTime: Self.t0,
                                      forward: { m.forward(expiry: $0) })
        #expect(m.impliedVol(strike: f, expiry: oneYear) == 0.2)
        #expect(close(m.impliedVol(strike: f * 0.8, expiry: oneYear) ?? 0, 0.3))
        // At the index (k = −r·T = −0.05): w = (−0.05 − ln 0.8)/(−ln 0.8) = 0.775930, iv = 0.3 − 0.0775930.
        #expect(close(m.impliedVol(strike: 100, expiry: oneYear) ?? 0, 0.3 - 0.1 * (-0.05 - log(0.8)) / -log(0.8)))
    }

    // MARK: - The example market's BTC surface

    @Test func exampleBTCSurface() throws {
        let market = try MarketSnapshot(jsonText: InputTestFixture.text("market.json"))
        let btc = try #require(market.underlyings["BTC"])
        func iv(_ strike: Double, _ expiry: String) throws -> Double {
            let t = try #require(Instant(iso8601: expiry))
            return try #require(btc.impliedVol(strike: strike, expiry: t))
        }
        let jan = "2026-01-30T08:00:00Z"  // T₁ = 21/365, F₁ = 90 400
        let mar = "2026-03-27T08:00:00Z"  // T₂ = 77/365, F₂ = 91 500
        // Jan, K = F₁: k = 0 lies between 90 000 (k = ln(90000/90400) = −0.0044346) and 100 000 (k = 0.1009259):
        // w = 0.0044346/0.1053605 = 0.0420897, iv = 0.50 + 0.0420897 × 0.02 = 0.5008418.
        #expect(close(try iv(90_400, jan), 0.500841794867874))
        // Jan, K = 85 000: k = −0.0615930 between 80 000 (−0.1222176) and 90 000 → 0.5242643.
        #expect(close(try iv(85_000, jan), 0.5242642811511078))
        #expect(try iv(90_000, jan) == 0.50)
        #expect(try iv(60_000, jan) == 0.62)  // flat below the lowest strike
        #expect(try iv(150_000, jan) == 0.56)  // flat above the highest
        // Mar, K = F₂: k = 0 between 90 000 (−0.0165293) and 120 000 (0.2711528) → 0.53 + 0.0574541 × 0.04.
        #expect(close(try iv(91_500, mar), 0.5322982734809075))
        #expect(close(try iv(100_000, mar), 0.5446495768415304))
        #expect(try iv(200_000, mar) == 0.57)
        // 2026-02-27 (T = 49/365) has no quoted forward: F = S = 90 000, K = 90 000 is k = 0, read on both slices
        // (0.5008418 and 0.5322983), total variance interpolated: √((w₁ + (w₂ − w₁)·28/56)/T) = 0.5257161.
        #expect(close(try iv(90_000, "2026-02-27T08:00:00Z"), 0.5257160750495954))
        // Before the first and after the last expiry: k = 0 (F = S = 90 000) on the nearer slice.
        #expect(close(try iv(90_000, "2026-01-16T08:00:00Z"), 0.500841794867874))
        #expect(close(try iv(90_000, "2026-06-26T08:00:00Z"), 0.5322982734809075))
        // ETH has one slice (F = 3 140): flat in time. On 2026-02-01 F = S = 3 100, so the 3 100 point
        // (k = ln(3100/3140)) is read by the strike with the same k: K = 3100·3100/3140.
        let eth = try #require(market.underlyings["ETH"])
        let feb = try #require(Instant(iso8601: "2026-02-01"))
        #expect(close(eth.impliedVol(strike: 3100 * 3100 / 3140, expiry: feb) ?? 0, 0.66))
        let later = try #require(Instant(iso8601: "2027-01-01"))
        #expect(close(eth.impliedVol(strike: 3100 * 3100 / 3140, expiry: later) ?? 0, 0.66))
    }
}
