import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Acceptance: every liquidation action is a journaled event; replaying the journal reproduces the same
/// liquidations and the same digest, without planning anything again.
@Suite struct LiquidationReplayTests {
    /// The simulated population (40 accounts, their liquidity providers, 2 backstops, a fund of 1,000 USD, synthetic
    /// books) through a crash on the engine: BTC and ETH fall 6% a step for 5 steps, one second apart; the driver
    /// journals the liquidation actions each update makes due as its follow-ups, in the same turn.
    /// Returns the engine, the follow-ups in order, and its commit log (the invariants after every commit).
    static func crash(store: InMemoryJournal, pacing: FollowUpPacing = FollowUpPacing()) async throws
        -> (RiskEngine, [EngineEvent], CommitLog)
    {
        let market = SimulatedMarket(seed: 7)
        let genesis = Population.genesis(market: market, optionsPerUnderlying: 20, accounts: 40, positionsPerAccount: 4,
                                         seed: 11, insuranceFund: 1_000)
        let engine = try await RiskEngine.open(store: store, genesis: genesis)
        await engine.setThreads(1)
        await engine.setFollowUpPacing(pacing)
        let log = await engine.recordCommits()
        var actions = try await engine.journalDue().followUps
        for _ in 1...5 {
            for u in ["BTC", "ETH"] {
                guard let m = await engine.state.markets[u] else { continue }
                actions += try await engine.submit(.market(MarketUpdate(underlying: u, time: m.time.adding(seconds: 1),
                                                                        index: (m.index * 0.94 * 100).rounded() / 100)))
                    .followUps
            }
        }
        return (engine, actions, log)
    }

    @Test("a crash's liquidations are journaled follow-ups with the invariants and the money exact after every commit; replay from the journal and from a snapshot gives the same state, digest and no new action")
    func replayReproducesLiquidations() async throws {
        let store = InMemoryJournal()
        let (live, actions, log) = try await Self.crash(store: store)
        let kinds = Set(actions.map(\.kind))
        #expect(kinds.isSuperset(of: ["marginCall", "liquidation", "takeover"]), "\(kinds)")
        #expect(log.followUps == actions)
        #expect(log.violations.isEmpty, "\(log.violations)")
        // The money in the ledger is the same after every commit (no deposit or withdrawal in the path).
        let genesisMoney = money(log.observations.first?.state ?? EngineState())
        #expect(!genesisMoney.isEmpty)
        #expect(log.observations.allSatisfy { money($0.state) == genesisMoney })
        #expect(live.counters.followUps == actions.count && live.counters.followUpRejections == 0)
        // Every action is in the journal, in order.
        let journaled = try await store.allRecords(after: 0).compactMap { try? EngineEvent(payload: $0.payload) }
        #expect(journaled.filter(\.isLiquidationAction) == actions)
        // Replay: the same state and digest; nothing left to plan that the live engine would not plan too, and
        // nothing journaled by opening.
        let count = try store.lastSequence()
        let replayed = try await RiskEngine.open(store: store)
        #expect(await replayed.state == (await live.state))
        #expect(await replayed.digest == (await live.digest))
        #expect(await replayed.liquidationActions() == (await live.liquidationActions()))
        #expect(await replayed.checkInvariants().isEmpty)
        #expect(try store.lastSequence() == count)
        // From a snapshot of the live state, too.
        try await live.writeSnapshot()
        let restored = try await RiskEngine.open(store: store)
        let (restoredDigest, restoredState) = (await restored.digest, await restored.state)
        #expect(restoredDigest == (await live.digest))
        #expect(restoredState == (await live.state))
        // And the whole run is deterministic: the same genesis and path give the same journal.
        let again = InMemoryJournal()
        _ = try await Self.crash(store: again)
        #expect(try await again.allRecords(after: 0) == (try await store.allRecords(after: 0)))
    }
}
