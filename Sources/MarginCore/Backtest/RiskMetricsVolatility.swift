#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The RiskMetrics (J.P. Morgan, 1996) exponentially weighted volatility of daily log returns, annualized: the
/// backtest's **proxy for implied vol** when a history has no `.vol` column.
///
/// With `r_i = ln(S_i / S_{i−1})` (rows 0-based): the variance starts at row ``warmUpReturns`` (the 31st date) as the
/// mean of `r_1² … r_30²`; after it `v_t = λ·v_{t−1} + (1 − λ)·r_t²` with λ = 0.94; `σ_t = √(365·v_t)` (365 daily
/// returns a year, the calendar of the margin model). No drift is removed. Realized vol lags and is not implied vol:
/// it is low before a crash and high after it, where an implied vol reacts faster.
///
/// ```swift
/// let sigma = RiskMetricsVolatility.annualized(closes: closes)   // nil for rows 0…29
/// ```
public enum RiskMetricsVolatility {
    /// λ, the decay of the daily variance.
    public static let decay = 0.94
    /// Returns averaged for the starting variance; the first row with a vol is this index (the 31st date).
    public static let warmUpReturns = 30
    /// Daily returns per year.
    public static let daysPerYear = 365.0

    /// `σ_t` for every row (annualized decimal), `nil` for the rows before ``warmUpReturns``.
    ///
    /// - Precondition: every close is positive and finite (a ``PriceHistory`` guarantees it).
    public static func annualized(closes: [Double]) -> [Double?] {
        var sigma = [Double?](repeating: nil, count: closes.count)
        guard closes.count > warmUpReturns else { return sigma }
        var variance = 0.0
        for i in 1...warmUpReturns {
            let r = log(closes[i] / closes[i - 1])
            variance += r * r
        }
        variance /= Double(warmUpReturns)
        sigma[warmUpReturns] = (daysPerYear * variance).squareRoot()
        for t in (warmUpReturns + 1)..<closes.count {
            let r = log(closes[t] / closes[t - 1])
            variance = decay * variance + (1 - decay) * r * r
            sigma[t] = (daysPerYear * variance).squareRoot()
        }
        return sigma
    }
}
