#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kupiec's (1995) proportion-of-failures test: are `x` exceptions in `T` observations consistent with an exception
/// probability `p = 1 − C`?
///
/// `LR = −2 ln[(1−p)^(T−x) p^x] + 2 ln[(1−x/T)^(T−x) (x/T)^x]` (the second term 0 when x = 0, and its `x·ln(x/T)`
/// term 0 when x = T), χ²(1) under the null: p-value `erfc(√(LR/2))`. The model is accepted at 95% when the
/// p-value is at least 0.05 (LR ≤ 3.841).
///
/// ```swift
/// let k = KupiecTest(observations: 250, exceptions: 5, coverage: 0.99)   // LR 1.957, p 0.162, accepted
/// ```
public struct KupiecTest: Hashable, Sendable {
    public var observations: Int
    public var exceptions: Int
    /// The coverage tested, C (0.99).
    public var coverage: Double
    /// The likelihood ratio, ≥ 0.
    public var likelihoodRatio: Double
    /// P(χ²(1) ≥ LR).
    public var pValue: Double

    /// The test's level: accepted when ``pValue`` ≥ 1 − 0.95.
    public static let confidence = 0.95

    /// - Precondition: `0 ≤ exceptions ≤ observations`, `observations > 0`, `0 < coverage < 1`.
    public init(observations: Int, exceptions: Int, coverage: Double) {
        precondition(observations > 0 && (0...observations).contains(exceptions) && coverage > 0 && coverage < 1)
        self.observations = observations
        self.exceptions = exceptions
        self.coverage = coverage
        let t = Double(observations)
        let x = Double(exceptions)
        let p = 1 - coverage
        var lr = -2 * ((t - x) * log1p(-p) + (x > 0 ? x * log(p) : 0))
        if x > 0 {
            let rate = x / t
            lr += 2 * ((t > x ? (t - x) * log1p(-rate) : 0) + x * log(rate))
        }
        likelihoodRatio = max(lr, 0)
        pValue = erfc((likelihoodRatio / 2).squareRoot())
    }

    /// Whether the observed exception rate is consistent with `1 − C` at 95%.
    public var accepts: Bool { pValue >= 1 - KupiecTest.confidence }
}
