#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Basel Committee's (1996) traffic light for a backtest: the zone of `x` exceptions in `n` observations, from
/// the binomial probability `P(X ≤ x)` of the exception probability `p = 1 − C` (exact, summed in log space).
///
/// Green when `P(X ≤ x) < 95%`, yellow when `< 99.99%`, red otherwise: at 99% and 250 days, 0–4 exceptions are
/// green, 5–9 yellow, 10 or more red.
public enum TrafficLightZone: String, Hashable, Sendable, CaseIterable {
    case green, yellow, red

    /// Green below this cumulative probability.
    public static let greenBelow = 0.95
    /// Yellow below this cumulative probability; red at or above it.
    public static let yellowBelow = 0.9999

    /// The zone of `exceptions` in `observations` at `coverage` C.
    public init(exceptions: Int, observations: Int, coverage: Double) {
        let cdf = TrafficLightZone.binomialCDF(exceptions, trials: observations, probability: 1 - coverage)
        self = cdf < TrafficLightZone.greenBelow ? .green : cdf < TrafficLightZone.yellowBelow ? .yellow : .red
    }

    /// `P(X ≤ k)` for X ~ Binomial(n, p), exactly: every term `C(n,i)·pⁱ(1−p)^(n−i)` in log space (log C(n,i) built
    /// up as a sum of logs), scaled by the largest and summed from the smallest up, so no term is lost.
    ///
    /// - Precondition: `n ≥ 0`, `0 < p < 1`.
    public static func binomialCDF(_ k: Int, trials n: Int, probability p: Double) -> Double {
        precondition(n >= 0 && p > 0 && p < 1)
        if k < 0 { return 0 }
        if k >= n { return 1 }
        let logP = log(p)
        let logQ = log1p(-p)
        var logChoose = 0.0
        var logTerms: [Double] = []
        logTerms.reserveCapacity(k + 1)
        for i in 0...k {
            if i > 0 { logChoose += log(Double(n - i + 1)) - log(Double(i)) }
            logTerms.append(logChoose + Double(i) * logP + Double(n - i) * logQ)
        }
        let top = logTerms.max() ?? 0
        var sum = 0.0
        for term in logTerms.sorted() { sum += exp(term - top) }
        return min(exp(top + log(sum)), 1)
    }
}
