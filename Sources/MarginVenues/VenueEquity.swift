import MarginCore

/// An account's equity in USD by the core's one rule (``Equity``), for the cross-margined presets (SPAN, OKX), which
/// value instruments directly (``InstrumentValuation``) instead of through risk arrays.
enum VenueEquity {
    /// - Throws: ``InputError`` naming the position if one cannot be valued.
    static func usd(of portfolio: Portfolio, market: MarketSnapshot) throws(InputError) -> Double {
        var equity = Equity.balances(of: portfolio, market: market)
        for (i, p) in portfolio.positions.enumerated() {
            guard let u = market.underlyings[p.instrument.underlying] else { continue }
            let v: InstrumentValuation
            do {
                v = try InstrumentValuation(instrument: p.instrument, market: u)
            } catch {
                throw error.prefixed("$.positions[\(i)]")
            }
            equity += Equity.position(p.instrument, size: p.size, entry: p.entryPrice, valueUSD: v.valueUSD,
                                      forward: v.forward, index: u.index)
        }
        return equity
    }
}
