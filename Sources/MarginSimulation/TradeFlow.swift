import Foundation
import MarginCore
import MarginEngine

/// Simulated order flow against the liquidity providers: a generated account (`acct-…`) buys or sells a small
/// quantity of a listed instrument from or to a liquidity provider (`lp-…`) near the mark. Deterministic in the
/// generator. For `margin engine run`'s trade flow and the crash test's workload.
public enum TradeFlow {
    /// A trade for the engine at `state`, or `nil` when there is no generated account, provider or instrument.
    public static func trade(in state: EngineState, rng: inout SplitMix64) -> EngineEvent? {
        let traders = state.accounts.keys.filter { $0.hasPrefix("acct-") }.sorted()
        let providers = state.accounts.keys.filter { $0.hasPrefix("lp-") }.sorted()
        let ids = state.instruments.keys.sorted()
        guard !traders.isEmpty, !providers.isEmpty, !ids.isEmpty else { return nil }
        let account = traders[Int(rng.next() % UInt64(traders.count))]
        let provider = providers[Int(rng.next() % UInt64(providers.count))]
        let id = ids[Int(rng.next() % UInt64(ids.count))]
        guard let instrument = state.instruments[id], let market = state.markets[instrument.underlying] else {
            return nil
        }
        let buys = rng.unit() < 0.5
        let quantity: Decimal
        let price: Decimal
        if instrument.isSizedByNotional {
            quantity = Decimal(100 * (1 + Int(rng.next() % 20)))
            price = Decimal(Int(market.futuresPrice(expiry: instrument.expiry).rounded()))
        } else if instrument.option != nil {
            quantity = Decimal(1 + Int(rng.next() % 5)) / 10
            let value = try? InstrumentValuation(instrument: instrument, market: market)
            let mark = instrument.settlement == .inverse ? (value?.valueCoin ?? 0.01) : (value?.valueUSD ?? 1)
            let places = instrument.settlement == .inverse ? 6 : 2
            price = max(Decimal(sign: .plus, exponent: -places, significand: 1),
                        Money.rounded(Money.parse(String(describing: mark)) ?? 0, scale: places))
        } else {
            quantity = Decimal(1 + Int(rng.next() % 5)) / 100
            price = Decimal(Int(market.futuresPrice(expiry: instrument.expiry).rounded()))
        }
        let fee = Decimal(string: "0.25") ?? 0
        return .trade(Trade(buyer: buys ? account : provider, seller: buys ? provider : account, instrument: id,
                            quantity: quantity, price: price, buyerFee: buys ? fee : 0, sellerFee: buys ? 0 : fee))
    }
}
