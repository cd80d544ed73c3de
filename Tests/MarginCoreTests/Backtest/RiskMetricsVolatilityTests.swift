#if canImport(Glibc)
import Glibc
#endif
import MarginCore
import Testing

/// The RiskMetrics proxy, worked by hand on a series of 33 closes.
@Suite struct RiskMetricsVolatilityTests {
    /// r_1 … r_30 = 0.01 → v_30 = 1e-4, σ_30 = √(365e-4); r_31 = 0.02 → v_31 = 0.94e-4 + 0.06·4e-4 = 1.18e-4;
    /// r_32 = 0 → v_32 = 0.94 · 1.18e-4 = 1.1092e-4.
    @Test func ewmaOnAHandWorkedSeries() {
        var closes = (0...30).map { 100 * exp(0.01 * Double($0)) }
        closes.append(closes[30] * exp(0.02))
        closes.append(closes[31])
        let sigma = RiskMetricsVolatility.annualized(closes: closes)
        #expect(sigma.count == 33)
        #expect(sigma[..<30].allSatisfy { $0 == nil })
        #expect(abs(sigma[30]! - (365e-4).squareRoot()) < 1e-12)
        #expect(abs(sigma[31]! - (365 * 1.18e-4).squareRoot()) < 1e-12)
        #expect(abs(sigma[32]! - (365 * 1.1092e-4).squareRoot()) < 1e-12)
    }

    @Test func tooShortASeriesHasNoVol() {
        #expect(RiskMetricsVolatility.annualized(closes: [1, 2, 3]).allSatisfy { $0 == nil })
    }
}
