import Foundation
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation

/// A small deterministic world: BTC and ETH, 20 options per underlying plus perpetuals and futures, 30 accounts.
public enum EngineFixtures {
    public static let market = SimulatedMarket(seed: 7)

    /// The simulated population, liquidation off unless `liquidation`: about a tenth of the generated accounts
    /// start below maintenance margin, and with liquidation on the driver would liquidate them after the first
    /// event (its follow-ups), which the tests of margins, correlation and the journal do not expect. The
    /// liquidation tests (`Liquidation/`) turn it on.
    public static func genesis(accounts: Int = 30, positions: Int = 4, liquidation: Bool = false) -> EngineState {
        var state = Population.genesis(market: market, optionsPerUnderlying: 20, accounts: accounts,
                                       positionsPerAccount: positions, seed: 11)
        state.liquidation.enabled = liquidation
        return state
    }

    /// An engine on `genesis` over an in-memory journal (or `store`).
    public static func engine(_ genesis: EngineState = genesis(), store: any JournalStore = InMemoryJournal(),
                              faultPolicy: StorageFaultPolicy = .retry()) async throws -> RiskEngine {
        try await RiskEngine.open(store: store, genesis: genesis, faultPolicy: faultPolicy)
    }

    /// The counterparty of the tests' trades in ``emptyEngine(store:faultPolicy:)``: a liquidity provider funded
    /// with 10¹² USD, so that its side always passes the pre-trade rule.
    public static let lp = "lp"

    /// An empty engine with the simulated markets and listings, journaled as events, and the funded ``lp``, under
    /// `tradeRules`.
    public static func emptyEngine(store: any JournalStore = InMemoryJournal(),
                                   faultPolicy: StorageFaultPolicy = .retry(),
                                   tradeRules: TradeRules = .default) async throws -> RiskEngine {
        let engine = try await RiskEngine.open(store: store, faultPolicy: faultPolicy, tradeRules: tradeRules)
        for i in market.underlyings.indices { try await engine.submit(market.marketEvent(i)) }
        for l in market.listings(optionsPerUnderlying: 20) { try await engine.submit(.listing(l)) }
        try await engine.submit(.deposit(Transfer(account: lp, currency: "USD", amount: 1_000_000_000_000)))
        return engine
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
