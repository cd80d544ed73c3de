import Foundation
import MarginCore
import MarginEngine
import MarginSimulation

/// A small deterministic world: BTC and ETH, 20 options per underlying plus perpetuals and futures, 30 accounts.
public enum EngineFixtures {
    public static let market = SimulatedMarket(seed: 7)

    public static func genesis(accounts: Int = 30, positions: Int = 4) -> EngineState {
        Population.genesis(market: market, optionsPerUnderlying: 20, accounts: accounts, positionsPerAccount: positions,
                           seed: 11)
    }

    /// The counterparty of the tests' trades in ``emptyEngine(store:)``: a liquidity provider funded with 10¹²
    /// USD, so that its side always passes the pre-trade rule.
    public static let lp = "lp"

    /// An empty engine with the simulated markets and listings, journaled as events, and the funded ``lp``.
    public static func emptyEngine(store: InMemoryJournal = InMemoryJournal()) throws -> EngineCore {
        let core = try EngineCore(store: store)
        for i in market.underlyings.indices { try core.submit(market.marketEvent(i)) }
        for l in market.listings(optionsPerUnderlying: 20) { try core.submit(.listing(l)) }
        try core.submit(.deposit(Transfer(account: lp, currency: "USD", amount: 1_000_000_000_000)))
        return core
    }

    /// `account` buys (`quantity` > 0) or sells `|quantity|` of `instrument` at `price` from or to `counterparty`
    /// (``lp`` by default), paying `fee`: the two-sided trade the tests submit where they used to submit a fill.
    public static func trade(account: String, instrument: String, quantity: Decimal, price: Decimal, fee: Decimal = 0,
                             feeCurrency: String = "USD", counterparty: String = lp) -> EngineEvent {
        let buys = quantity > 0
        return .trade(Trade(buyer: buys ? account : counterparty, seller: buys ? counterparty : account,
                            instrument: instrument, quantity: abs(quantity), price: price,
                            buyerFee: buys ? fee : 0, sellerFee: buys ? 0 : fee, feeCurrency: feeCurrency))
    }

    public static func dec(_ s: String) -> Decimal { Decimal(string: s) ?? 0 }
}
