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

    /// An empty engine with the simulated markets and listings, journaled as events.
    public static func emptyEngine(store: InMemoryJournal = InMemoryJournal()) throws -> EngineCore {
        let core = try EngineCore(store: store)
        for i in market.underlyings.indices { try core.submit(market.marketEvent(i)) }
        for l in market.listings(optionsPerUnderlying: 20) { try core.submit(.listing(l)) }
        return core
    }

    public static func dec(_ s: String) -> Decimal { Decimal(string: s) ?? 0 }
}
