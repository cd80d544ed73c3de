import MarginCore
import Testing

/// The Basel (1996) traffic light at 99% over 250 days: 0–4 green, 5–9 yellow, 10+ red; the exact binomial CDF.
@Suite struct TrafficLightTests {
    /// P(X ≤ 4) = 0.892188 < 95%, P(X ≤ 5) = 0.958817, P(X ≤ 9) = 0.999750 < 99.99%, P(X ≤ 10) = 0.999946.
    @Test func zonesChangeAtTheBaselBoundaries() {
        let zone = { (x: Int) in TrafficLightZone(exceptions: x, observations: 250, coverage: 0.99) }
        #expect((0...4).allSatisfy { zone($0) == .green })
        #expect((5...9).allSatisfy { zone($0) == .yellow })
        #expect((10...250).allSatisfy { zone($0) == .red })
    }

    /// The CDF agrees with scipy.stats.binom.cdf to 1e-12 at the boundaries, and is 0 below 0 and 1 at n.
    @Test func binomialCDFIsExact() {
        let cdf = { (k: Int) in TrafficLightZone.binomialCDF(k, trials: 250, probability: 0.01) }
        #expect(abs(cdf(4) - 0.8921876269036251) < 1e-12)
        #expect(abs(cdf(5) - 0.9588168159301517) < 1e-12)
        #expect(abs(cdf(9) - 0.9997498099312595) < 1e-12)
        #expect(abs(cdf(10) - 0.999946101370953) < 1e-12)
        #expect(cdf(-1) == 0 && cdf(250) == 1)
        // Large n stays finite (log space): 10 years of days.
        let big = TrafficLightZone.binomialCDF(36, trials: 3650, probability: 0.01)
        #expect(big > 0.4 && big < 0.6)
    }
}
