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

    /// An engine on `genesis` over an in-memory journal (or `store`).
    public static func engine(_ genesis: EngineState = genesis(), store: any JournalStore = InMemoryJournal(),
                              faultPolicy: StorageFaultPolicy = .retry()) async throws -> RiskEngine {
        try await RiskEngine.open(store: store, genesis: genesis, faultPolicy: faultPolicy)
    }

    /// An empty engine with the simulated markets and listings, journaled as events.
    public static func emptyEngine(store: any JournalStore = InMemoryJournal(),
                                   faultPolicy: StorageFaultPolicy = .retry()) async throws -> RiskEngine {
        let engine = try await RiskEngine.open(store: store, faultPolicy: faultPolicy)
        for i in market.underlyings.indices { try await engine.submit(market.marketEvent(i)) }
        for l in market.listings(optionsPerUnderlying: 20) { try await engine.submit(.listing(l)) }
        return engine
    }

    public static func dec(_ s: String) -> Decimal { Decimal(string: s) ?? 0 }
}
