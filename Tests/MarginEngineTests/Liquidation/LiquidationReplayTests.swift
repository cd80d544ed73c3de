import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine

/// Acceptance: every liquidation action is a journaled event; replaying the journal reproduces the same
/// liquidations and the same digest, without planning anything again.
@Suite struct LiquidationReplayTests {
    /// The simulated population (40 accounts, their liquidity providers, 2 backstops, a fund of 1,000 USD, synthetic
    /// books) through a crash: BTC and ETH fall 6% a step for 5 steps, one second apart, the liquidation loop run to
    /// quiescence after each.
    static func crash(store: InMemoryJournal) throws -> (EngineCore, [EngineEvent]) {
        let market = SimulatedMarket(seed: 7)
        let genesis = Population.genesis(market: market, optionsPerUnderlying: 20, accounts: 40, positionsPerAccount: 4,
                                         seed: 11, insuranceFund: 1_000)
        let core = try EngineCore(store: store, genesis: genesis)
        var actions: [EngineEvent] = []
        for k in 1...5 {
            for u in ["BTC", "ETH"] {
                guard let m = core.state.markets[u] else { continue }
                try core.submit(.market(MarketUpdate(underlying: u, time: m.time.adding(seconds: 1),
                                                     index: (m.index * 0.94 * 100).rounded() / 100)))
            }
            actions += try LiquidationDriver.run(core) { _ in
                #expect(core.checkInvariants().isEmpty, "step \(k): \(core.checkInvariants())")
            }
        }
        return (core, actions)
    }

    @Test("a crash's liquidations are journaled events; replay from the journal and from a snapshot gives the same state, digest and no new action")
    func replayReproducesLiquidations() throws {
        let store = InMemoryJournal()
        let (live, actions) = try Self.crash(store: store)
        let kinds = Set(actions.map(\.kind))
        #expect(kinds.isSuperset(of: ["marginCall", "liquidation", "takeover"]), "\(kinds)")
        // Every action is in the journal, in order.
        let journaled = try store.allRecords(after: 0).compactMap { try? EngineEvent(payload: $0.payload) }
        let liquidation = Set(["marginCall", "liquidation", "liquidationEnd", "takeover", "deleverage", "alert"])
        #expect(journaled.filter { liquidation.contains($0.kind) } == actions)
        // Replay: the same state and digest; nothing left to plan that the live engine would not plan too.
        let replayed = try EngineCore(store: store)
        #expect(replayed.state == live.state)
        #expect(replayed.digest == live.digest)
        #expect(replayed.liquidationActions() == live.liquidationActions())
        #expect(replayed.checkInvariants().isEmpty)
        // From a snapshot of the live state, too.
        try live.writeSnapshot()
        let restored = try EngineCore(store: store)
        #expect(restored.digest == live.digest && restored.state == live.state)
        // And the whole run is deterministic: the same genesis and path give the same journal.
        let again = InMemoryJournal()
        _ = try Self.crash(store: again)
        #expect(try again.allRecords(after: 0) == (try store.allRecords(after: 0)))
    }
}
