import Foundation
import MarginCore
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue item 3: on the transition to liquidation, a margin-call event (account, equity, MM, shortfall, time),
/// journaled and published.
@Suite struct MarginCallTests {
    typealias W = LiquidationWorld

    /// Account `t`: long 1 BTC-PERP entered at 100,000 with 20,600 USD (healthy at 100,000: equity 20,600 ≥ IM
    /// 1.3 × 15,800 = 20,540). At 93,000: equity 20,600 − 7,000 = 13,600, MM 0.158 × 93,000 = 14,694, so
    /// 7,347 ≤ equity < MM: liquidation; shortfall 14,694 − 13,600 = 1,094.
    @Test("a market move into liquidation gives one margin call with the hand-worked equity, MM, shortfall and time, journaled and published as follow-ups of the update in the same turn")
    func marginCallFiguresAreHandWorked() async throws {
        var w = W()
        w.position("t", "BTC-PERP", 1, entry: 100_000, against: "lp")
        w.fund("t", 20_600)
        w.fund("lp", 1_000_000_000)
        let store = InMemoryJournal()
        let engine = try await w.engine(store: store)
        #expect(await engine.margin(of: "t")?.health == .healthy)
        #expect(await engine.liquidationActions().isEmpty, "nothing is due while every account is above MM")
        let notices = await engine.liquidationNotices()
        let log = await engine.recordCommits()
        let moneyBefore = money(await engine.state)
        let moved = W.t0.adding(seconds: 60)
        let ack = try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: moved, index: 93_000)))
        // No book: the margin call, then no admissible step, so the takeover (no backstop: the fund), all in the
        // update's turn.
        let actions = ack.followUps
        #expect(actions.map(\.kind) == ["marginCall", "takeover"])
        #expect(ack.healthChanges.contains { $0.account == "t" && $0.to == .liquidation })
        let call = try #require(actions.first?.marginCall)
        #expect(call.account == "t")
        #expect(close(call.equity, 13_600))
        #expect(close(call.maintenanceMargin, 14_694))
        #expect(close(call.shortfall, 1_094))
        #expect(call.time == moved, "the journal's time, never the wall clock")
        #expect(actions.filter { $0.marginCall != nil }.count == 1, "one call per liquidation")
        #expect(await engine.liquidationActions().isEmpty, "quiescent after the turn")
        // Published to subscribers, with their journal sequences.
        let published = await take(actions.count, from: notices)
        #expect(published.map(\.event) == actions)
        #expect(published.first?.accounts == ["t"])
        let sequences = published.map(\.sequence)
        #expect(sequences.first.map { $0 > ack.sequence } == true, "after the update")
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy(<), "in journal order")
        // Every commit of the cascade kept the invariants, and the money in the ledger did not change.
        #expect(log.violations.isEmpty, "\(log.violations)")
        #expect(log.followUps == actions)
        #expect(money(await engine.state) == moneyBefore)
        #expect(engine.counters.followUps == 2 && engine.counters.followUpRejections == 0)
        // Journaled: the payload reads back equal, and replay reproduces the state.
        let records = try await store.allRecords(after: 0)
        for a in actions { #expect(records.contains { (try? EngineEvent(payload: $0.payload)) == a }) }
        let replayed = try await RiskEngine.open(store: store)
        #expect(await replayed.digest == (await engine.digest))
        #expect(try await store.allRecords(after: 0).count == records.count, "replay journals nothing")
    }

    @Test("no margin call while liquidation is disabled, and none for an account only restricted")
    func disabledOrRestrictedGivesNoCall() async throws {
        var w = W(btc: 95_000)
        w.position("t", "BTC-PERP", 1, entry: 100_000, against: "lp")
        w.fund("t", 20_600)
        w.fund("lp", 1_000_000_000)
        // At 95,000: equity 15,600 ≥ MM 15,010: restricted.
        let engine = try await w.engine()
        #expect(await engine.margin(of: "t")?.health == .restricted)
        #expect(try await engine.journalDue().followUps.isEmpty)
        var settings = LiquidationSettings()
        settings.enabled = false
        try await engine.submit(.liquidationSettings(settings))
        let ack = try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: W.t0, index: 93_000)))
        #expect(await engine.margin(of: "t")?.health == .liquidation)
        #expect(ack.followUps.isEmpty, "disabled: reported (health), not liquidated")
        #expect(await engine.liquidationActions().isEmpty)
        await #expect(throws: EngineError.self) {
            try await engine.submit(.marginCall(MarginCall(account: "t", equity: 0, maintenanceMargin: 0,
                                                           shortfall: 0, time: W.t0)))
        }
        // Enabled again: the settings event's follow-ups liquidate it.
        settings.enabled = true
        let resumed = try await engine.submit(.liquidationSettings(settings))
        #expect(resumed.followUps.first?.marginCall?.account == "t")
    }
}
