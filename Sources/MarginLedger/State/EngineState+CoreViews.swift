import Foundation
import MarginCore

extension EngineState {
    /// Account `name` as the core's ``Portfolio`` (balances and sizes converted to `Double`, positions in
    /// instrument-id order, futures and perpetuals at their entry price `cost/q`), or `nil` if unknown: what
    /// ``MarginCalculator`` margins to check the engine.
    public func portfolio(of name: String) -> Portfolio? {
        guard let account = accounts[name] else { return nil }
        var portfolio = Portfolio(account: name, balances: account.balances.mapValues(Money.double))
        for id in account.positions.keys.sorted() {
            guard let position = account.positions[id], let instrument = instruments[id] else { continue }
            portfolio.positions.append(Position(instrument: instrument, size: Money.double(position.quantity),
                                                entryPrice: position.entryPrice(of: instrument)))
        }
        return portfolio
    }

    /// Every market and the correlation table as the core's ``MarketSnapshot``, valued at the latest market time
    /// (each underlying keeps its own valuation time): what ``MarginCalculator`` margins to check the engine.
    public func marketSnapshot() -> MarketSnapshot {
        MarketSnapshot(valuationTime: markets.values.map(\.valuationTime).max() ?? Instant(nanosecondsSinceEpoch: 0),
                       underlyings: markets, correlations: correlations,
                       crossRates: crossRates.keys.sorted().compactMap { crossRates[$0] })
    }
}
