/// The P&L of a book between two markets, by full revaluation (MARGIN_MODEL.md's valuation): the book's value in
/// `later` minus its value in `now`, USD.
///
/// - coin balances `q·(S' − S)`; stablecoins 0;
/// - options `q·(V' − V)`, V' at `later`'s time (an option expired by then is worth its intrinsic value);
/// - futures and perpetuals as entered at `now`'s futures price: linear `q·(F' − F)`, inverse `N·(1/F − 1/F')·S'`
///   (a template's `entryPrice` does not enter: the book is instantiated afresh on the day).
public enum BookRevaluation {
    /// - Throws: ``InputError`` naming the position for an underlying missing from a market, an option expired at
    ///   `now` or without a vol surface.
    public static func pnl(of portfolio: Portfolio, from now: MarketSnapshot, to later: MarketSnapshot)
        throws(InputError) -> Double
    {
        var pnl = 0.0
        for (currency, amount) in portfolio.sortedBalances where !Portfolio.stablecoins.contains(currency) {
            guard let s0 = now.underlyings[currency]?.index, let s1 = later.underlyings[currency]?.index else {
                throw InputError.unknownUnderlying(path: "$.balances.\(currency)", name: currency)
            }
            pnl += amount * (s1 - s0)
        }
        for (i, p) in portfolio.positions.enumerated() {
            let path = "$.positions[\(i)]"
            let name = p.instrument.underlying
            guard let u0 = now.underlyings[name], let u1 = later.underlyings[name] else {
                throw InputError.unknownUnderlying(path: "\(path).underlying", name: name)
            }
            if let c = p.instrument.option {
                let v0: Double
                do {
                    v0 = try InstrumentValuation(instrument: p.instrument, market: u0).valueUSD
                } catch {
                    throw error.prefixed(path)
                }
                let v1: Double
                if u1.years(to: c.expiry) > 0 {
                    do {
                        v1 = try InstrumentValuation(instrument: p.instrument, market: u1).valueUSD
                    } catch {
                        throw error.prefixed(path)
                    }
                } else {
                    let f = u1.forward(expiry: c.expiry)
                    let intrinsic = max(c.right == .call ? f - c.strike : c.strike - f, 0)
                    v1 = p.instrument.settlement == .linear ? intrinsic : intrinsic * u1.index / f
                }
                pnl += p.size * (v1 - v0)
            } else {
                let f0 = u0.futuresPrice(expiry: p.instrument.expiry)
                let f1 = u1.futuresPrice(expiry: p.instrument.expiry)
                pnl += Equity.future(size: p.size, entry: f0, forward: f1, index: u1.index,
                                     linear: p.instrument.settlement == .linear)
            }
        }
        return pnl
    }
}
