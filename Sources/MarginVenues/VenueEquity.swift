import MarginCore

/// An account's equity in USD as MARGIN_MODEL.md defines it, for the cross-margined presets (SPAN, OKX): balances
/// at the index (stablecoins at 1), option positions at their value, futures and perpetuals at their unrealized
/// P&L where an entry price is given (linear `q·(F − entry)`, inverse `N·(1/entry − 1/F)·S`), else 0.
enum VenueEquity {
    /// - Throws: ``InputError`` naming the position if one cannot be valued.
    static func usd(of portfolio: Portfolio, market: MarketSnapshot) throws(InputError) -> Double {
        var equity = 0.0
        for (currency, amount) in portfolio.sortedBalances {
            equity += amount * (market.usdPrice(of: currency) ?? 0)
        }
        for (i, p) in portfolio.positions.enumerated() {
            guard let u = market.underlyings[p.instrument.underlying] else { continue }
            let v: InstrumentValuation
            do {
                v = try InstrumentValuation(instrument: p.instrument, market: u)
            } catch {
                throw error.prefixed("$.positions[\(i)]")
            }
            if p.instrument.option != nil {
                equity += p.size * v.valueUSD
            } else if let entry = p.entryPrice {
                equity +=
                    p.instrument.settlement == .linear
                    ? p.size * (v.forward - entry)
                    : p.size * (1 / entry - 1 / v.forward) * u.index
            }
        }
        return equity
    }
}
