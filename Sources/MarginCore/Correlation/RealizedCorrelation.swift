/// A realized correlation estimate: the matrix ``RealizedCorrelationEstimator`` yields once warmed up.
///
/// Correlations of log-returns of the underlyings' indices over the estimator's sampling interval; dimensionless,
/// symmetric, unit diagonal, each in [−1, 1] (positive semi-definite by construction, up to rounding).
public struct RealizedCorrelation: Hashable, Sendable {
    /// Underlyings, in the estimator's order.
    public var names: [String]
    /// Row-major `names.count × names.count`.
    public var matrix: [Double]
    /// Sampling intervals that entered the estimate.
    public var samples: Int
    /// The end of the last interval that entered it (market time).
    public var asOf: Instant

    public init(names: [String], matrix: [Double], samples: Int, asOf: Instant) {
        self.names = names
        self.matrix = matrix
        self.samples = samples
        self.asOf = asOf
    }

    /// ρ of the pair (1 on the diagonal), `nil` when either name is not estimated.
    public func rho(_ a: String, _ b: String) -> Double? {
        guard let i = names.firstIndex(of: a), let j = names.firstIndex(of: b) else { return nil }
        return matrix[i * names.count + j]
    }

    /// Every pair's ρ as a ``CorrelationTable``.
    public var table: CorrelationTable {
        var t = CorrelationTable()
        let n = names.count
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) { t.set(names[i], names[j], rho: matrix[i * n + j]) }
        }
        return t
    }
}
