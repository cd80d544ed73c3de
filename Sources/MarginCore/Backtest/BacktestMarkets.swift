/// The market on each day of a backtest, from a ``PriceHistory``.
///
/// On row t: valuation time = the row's instant (00:00 UTC for a bare date); each underlying's index `S_t`; **zero
/// rates and zero basis** (every forward and the perpetual price are `S_t`); a **flat** vol surface at `σ_t`: the
/// history's `.vol` column when it has one, else the RiskMetrics proxy (``RiskMetricsVolatility``), which is realized,
/// not implied, vol. No correlations (ρ = 0 between underlyings in `correlated` mode).
public struct BacktestMarkets: Sendable {
    public let history: PriceHistory
    /// σ per underlying (``PriceHistory/names`` order) per row, annualized; `nil` before the first backtested row.
    public let vols: [[Double?]]
    /// Per underlying: `implied` (the `.vol` column) or `riskMetrics` (the proxy).
    public let volSources: [String]

    /// The first row backtested: the 31st date (the proxy's variance needs 30 returns; an implied-vol history
    /// starts on the same day so both kinds of file give the same observations).
    public static let firstRow = RiskMetricsVolatility.warmUpReturns

    public init(history: PriceHistory) {
        self.history = history
        var vols: [[Double?]] = []
        var sources: [String] = []
        for (u, closes) in history.closes.enumerated() {
            if let implied = history.impliedVols[u] {
                vols.append(implied.enumerated().map { $0.offset >= Self.firstRow ? $0.element : nil })
                sources.append("implied")
            } else {
                vols.append(RiskMetricsVolatility.annualized(closes: closes))
                sources.append("riskMetrics")
            }
        }
        self.vols = vols
        volSources = sources
    }

    /// Every underlying's index on row `row`, USD per coin.
    public func indices(row: Int) -> [String: Double] {
        var indices: [String: Double] = [:]
        for (u, name) in history.names.enumerated() { indices[name] = history.closes[u][row] }
        return indices
    }

    /// The market snapshot of row `row` (≥ ``firstRow``).
    ///
    /// - Throws: ``InputError`` at `row R` when the row has no vol (before ``firstRow``).
    public func snapshot(row: Int) throws(InputError) -> MarketSnapshot {
        let time = history.dates[row]
        var underlyings: [String: UnderlyingMarket] = [:]
        for (u, name) in history.names.enumerated() {
            let s = history.closes[u][row]
            guard let sigma = vols[u][row] else {
                throw InputError.invalid(path: "line \(history.lines[row])", reason: "\(name) has no vol on this row")
            }
            // One quote, one point: the surface is flat in strike and in expiry.
            let quote = VolQuote(expiry: time.adding(seconds: 365 * 86_400), strikes: [s], vols: [sigma])
            let surface = try VolSurface(quotes: [quote], valuationTime: time, forward: { _ in s })
            underlyings[name] = UnderlyingMarket(name: name, index: s, volSurface: surface, valuationTime: time)
        }
        return MarketSnapshot(valuationTime: time, underlyings: underlyings)
    }
}
