import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue 20 item 1: liquidation in bounded slices (``LiquidationRound``, ``FollowUpPacing``): a slice holds at most
/// its limit of actions, every account due gets its first order across slices, a tick pending between slices is
/// journaled before the next slice, and the actions journaled do not depend on the slicing.
@Suite struct LiquidationSliceTests {
    /// The crash population of ``PartialReductionScreenTests`` (80 traders, their liquidity providers, backstops,
    /// the fund) after a fall of 16% of every underlying: dozens of accounts below maintenance margin at once.
    static func breached(seed: UInt64 = 3) -> EngineState {
        var state = CrashPopulation.genesis(market: SimulatedMarket(seed: seed), accounts: 80, optionsPerUnderlying: 20,
                                            seed: seed, insuranceFund: 20_000)
        for (u, m) in state.markets.sorted(by: { $0.key < $1.key }) {
            state.apply(.market(MarketUpdate(underlying: u, time: state.time.adding(seconds: 1), index: m.index * 0.84)))
        }
        return state
    }

    /// Plans and applies slices of at most `limit` actions on the core alone (no journal) until none is due, and
    /// returns them.
    static func slices(_ state: EngineState, limit: Int) throws -> [[EngineEvent]] {
        let core = EngineCore(state: state)
        core.setThreads(1)
        var out: [[EngineEvent]] = []
        for _ in 0..<100_000 {
            guard let list = core.nextFollowUps(sliceLimit: limit) else { return out }
            for event in list.events { try core.apply(event) }
            core.adoptFollowUps(list)
            out.append(list.events)
        }
        Issue.record("the round did not end")
        return out
    }

    @Test("a slice holds at most its limit of actions (a takeover's deleverage fills count with it); every account due at the breach gets its margin call and then its first order across slices; the slices together are exactly the actions of unbounded ones")
    func slicesAreBoundedAndComplete() throws {
        let state = Self.breached()
        let due = LiquidationPlanner(book: EngineCore(state: state).book, state: state).dueAccounts()
        #expect(due.count >= 8, "\(due.count) accounts due")
        let whole = try Self.slices(state, limit: .max).flatMap { $0 }
        for limit in [1, 2, 5] {
            let sliced = try Self.slices(state, limit: limit)
            for s in sliced {
                let actions = s.filter { if case .deleverage = $0 { return false } else { return true } }
                #expect(actions.count <= limit, "a slice of \(actions.count) actions with limit \(limit)")
            }
            let events = sliced.flatMap { $0 }
            #expect(events == whole, "limit \(limit): the same actions in the same order")
            for name in due {
                let call = events.firstIndex { if case .marginCall(let c) = $0 { c.account == name } else { false } }
                let order = events.firstIndex { e in
                    switch e {
                    case .liquidation(let s): return s.account == name
                    case .takeover(let t): return t.account == name
                    default: return false
                    }
                }
                #expect(call != nil && order != nil && call! < order!, "\(name): margin call, then its first order")
            }
        }
    }

    /// The crash of ``LiquidationReplayTests`` on an engine paced by `pacing`; returns the journal.
    static func crash(_ pacing: FollowUpPacing) async throws -> (records: [JournalRecord], digest: String) {
        let store = InMemoryJournal()
        _ = try await LiquidationReplayTests.crash(store: store, pacing: pacing)
        let records = try await store.allRecords(after: 0)
        let replayed = try await RiskEngine.open(store: store)
        return (records, await replayed.digest)
    }

    @Test("the journal of a crash is the same whatever the slice limit: slices of 1 and of 3 actions journal exactly what unbounded slices journal, and the digest is the same")
    func journalDoesNotDependOnSlicing() async throws {
        let whole = try await Self.crash(FollowUpPacing(sliceLimit: 1_000_000))
        #expect(whole.records.count > 50)
        for limit in [1, 3] {
            let sliced = try await Self.crash(FollowUpPacing(sliceLimit: limit))
            #expect(sliced.records == whole.records, "limit \(limit)")
            #expect(sliced.digest == whole.digest)
        }
    }

    @Test("market data first: with a tick pending and its budget spent, a turn ends after one slice; the tick is journaled before the next slice, and the round then resumes until nothing is due")
    func pendingTickGoesBeforeTheNextSlice() async throws {
        let store = InMemoryJournal()
        let state = Self.breached()
        let engine = try await RiskEngine.open(store: store, genesis: state)
        await engine.setThreads(1)
        await engine.setFollowUpPacing(FollowUpPacing(sliceLimit: 1, budget: .zero))
        let tick = MarketUpdate(underlying: "BTC", time: state.time.adding(seconds: 1),
                                index: (state.markets["BTC"]?.index ?? 1) * 0.999)
        engine.offer(tick)
        let start = await engine.sequence
        let first = try await engine.journalDue().followUps
        #expect(!first.isEmpty && first.filter { if case .deleverage = $0 { false } else { true } }.count <= 1,
                "one slice: \(first.map(\.kind))")
        #expect(await engine.hasUnfinishedLiquidation)
        await engine.processPendingMarket()
        let records = try await store.allRecords(after: start).compactMap { try? EngineEvent(payload: $0.payload) }
        let actions = records.filter { if case .health = $0 { false } else { true } }
        #expect(actions.count > first.count + 1)
        #expect(Array(actions.prefix(first.count)) == first)
        #expect(actions[first.count] == .market(tick), "the tick right after the first slice")
        // No tick pending: the round goes on to the end, turn after turn.
        await engine.setFollowUpPacing(FollowUpPacing(sliceLimit: 1, budget: .zero))
        while await engine.resumeLiquidation() {}
        #expect(await engine.hasUnfinishedLiquidation == false)
        #expect(try await engine.journalDue().followUps.isEmpty, "nothing left due")
        #expect(await engine.checkInvariants().isEmpty)
        await engine.close()
    }
}
