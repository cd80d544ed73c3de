import Foundation
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginSimulation
import MarginTestSupport
import Testing

/// `margin simulate` (issue item 9): a crash replay with the engine, the books and the liquidation engine live.
@Suite struct CrashReplayTests {
    static let traders = 120

    static func replay(_ scenario: CrashScenario = .march2020, fund: Decimal = 0, traders: Int = traders,
                       store: InMemoryJournal) async throws -> CrashReplay.Result {
        var c = CrashReplay.Configuration(path: scenario.path(seed: 1))
        c.accounts = traders
        c.insuranceFund = fund
        c.optionsPerUnderlying = 20
        return try await CrashReplay.run(c, store: store)
    }

    @Test("march-2020 with an empty fund: margin calls, partial steps and takeovers, every one a journaled event the summary counts; the invariants hold at the end and in the exported ledger")
    func march2020Liquidates() async throws {
        let store = InMemoryJournal()
        let r = try await Self.replay(store: store)
        #expect(r.marginCalls > 0)
        #expect(r.partialLiquidations > 0)
        #expect(r.takeovers > 0)
        #expect(r.invariantViolations.isEmpty, "\(r.invariantViolations.prefix(3))")
        #expect(r.insuranceFundStart == 0)
        #expect(r.insuranceFundMin <= r.insuranceFundStart)
        #expect(r.points.count == CrashScenario.march2020.path(seed: 1).steps.count - 1)
        // The summary is the journal's: count the records by kind.
        var kinds: [String: Int] = [:]
        for record in try await store.allRecords(after: 0) {
            guard let event = try? EngineEvent(payload: record.payload) else { continue }
            kinds[event.kind, default: 0] += 1
        }
        #expect(kinds["marginCall"] == r.marginCalls)
        #expect(kinds["liquidation"] == r.partialLiquidations)
        #expect(kinds["takeover", default: 0] == r.takeovers)
        #expect(kinds["deleverage", default: 0] == r.adlEvents)
        #expect(r.sequence == (try await store.lastSequence()))
        // The exported ledger passes the money and open-interest invariants from its JSON alone.
        let export = try JSONNode.parse(try await EngineExport.json(of: store).serialized())
        try EngineExportTests.checkLedger(ofExport: export)
        // The legacy models ran on the same traders.
        #expect(Set(r.legacy.map(\.model)) == ["fixedPercentage", "standardCross", "portfolio"])
        #expect(r.legacy.allSatisfy { $0.accountsLiquidated <= Self.traders })
    }

    @Test("the replay is deterministic and its journal rebuilds the same state: a second run gives the same digest and journal, and reopening the journal decides nothing again")
    func replayIsDeterministic() async throws {
        let first = InMemoryJournal()
        let second = InMemoryJournal()
        let a = try await Self.replay(.squeeze25, fund: 100_000, traders: 40, store: first)
        let b = try await Self.replay(.squeeze25, fund: 100_000, traders: 40, store: second)
        #expect(a.marginDigest == b.marginDigest)
        #expect(a.sequence == b.sequence)
        #expect(try await first.allRecords(after: 0) == second.allRecords(after: 0))
        let reopened = try await RiskEngine.open(store: first)
        #expect(await reopened.marginDigest == a.marginDigest)
        try await reopened.journalDue()
        #expect(await reopened.sequence == a.sequence, "recovery journals nothing new")
        #expect(await reopened.checkInvariants().isEmpty)
        await reopened.close()
    }

    @Test("a replay needs a new journal: a store that already holds events is refused, and nothing is written")
    func nonEmptyJournalIsRefused() async throws {
        let store = InMemoryJournal()
        let engine = try await RiskEngine.open(store: store)
        try await engine.submit(.deposit(Transfer(account: "a", currency: "USD", amount: 1)))
        await engine.close()
        let before = try await store.lastSequence()
        await #expect(throws: EngineError.self) { _ = try await Self.replay(store: store) }
        #expect(try await store.lastSequence() == before)
    }
}
