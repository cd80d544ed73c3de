import Foundation
import MarginCore
import MarginLedger

/// Simulated order flow against the liquidity providers: a generated account (`acct-…`) buys or sells a small
/// quantity of a listed instrument from or to a liquidity provider (`lp-…`) near the mark, paying a 0.25 USD fee
/// (the provider pays none). Every trade is two-sided (``EngineEvent/trade(_:)``). Deterministic in the generator.
/// For `margin engine run`'s trade flow, the benchmarks and the crash test's workload.
///
/// ```swift
/// let flow = TradeFlow(state: genesis)          // the accounts, providers and listings, once
/// var rng = SplitMix64(seed: 1)
/// if let trade = flow.trade(markets: await engine.markets, rng: &rng) { try await engine.submit(trade) }
/// ```
public struct TradeFlow: Sendable {
    /// Generated accounts and liquidity providers, sorted.
    public let traders: [String]
    public let providers: [String]
    /// Listed instruments, sorted by id.
    public let instruments: [(id: String, instrument: Instrument)]

    /// The flow among `state`'s generated accounts, providers and listings (O(accounts); take it once).
    public init(state: EngineState) {
        traders = state.accounts.keys.filter { $0.hasPrefix("acct-") }.sorted()
        providers = state.accounts.keys.filter { $0.hasPrefix("lp-") }.sorted()
        instruments = state.instruments.keys.sorted().compactMap { id in state.instruments[id].map { (id, $0) } }
    }

    /// A trade for the engine at `state`, or `nil` when there is no generated account, provider or instrument.
    public static func trade(in state: EngineState, rng: inout SplitMix64) -> EngineEvent? {
        TradeFlow(state: state).trade(markets: state.markets, rng: &rng)
    }

    /// A trade priced in `markets` (the engine's current markets), or `nil` when there is no generated account,
    /// provider or instrument, or the chosen instrument's underlying has no market.
    public func trade(markets: [String: UnderlyingMarket], rng: inout SplitMix64) -> EngineEvent? {
        guard !traders.isEmpty, !providers.isEmpty, !instruments.isEmpty else { return nil }
        let account = traders[Int(rng.next() % UInt64(traders.count))]
        let provider = providers[Int(rng.next() % UInt64(providers.count))]
        let (id, instrument) = instruments[Int(rng.next() % UInt64(instruments.count))]
        guard let market = markets[instrument.underlying] else { return nil }
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
