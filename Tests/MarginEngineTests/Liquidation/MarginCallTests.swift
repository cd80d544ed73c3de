import Foundation
import MarginCore
import MarginTestSupport
import Testing
@testable import MarginEngine

/// Issue item 3: on the transition to liquidation, a margin-call event (account, equity, MM, shortfall, time),
/// journaled and published.
@Suite struct MarginCallTests {
    typealias W = LiquidationWorld

    /// Account `t`: long 1 BTC-PERP entered at 100,000 with 20,600 USD (healthy at 100,000: equity 20,600 ≥ IM
    /// 1.3 × 15,800 = 20,540). At 93,000: equity 20,600 − 7,000 = 13,600, MM 0.158 × 93,000 = 14,694, so
    /// 7,347 ≤ equity < MM: liquidation; shortfall 14,694 − 13,600 = 1,094.
    @Test("a market move into liquidation gives one margin call with the hand-worked equity, MM, shortfall and time")
    func marginCallFiguresAreHandWorked() throws {
        var w = W()
        w.position("t", "BTC-PERP", 1, entry: 100_000, against: "lp")
        w.fund("t", 20_600)
        w.fund("lp", 1_000_000_000)
        let store = InMemoryJournal()
        let core = try w.engine(store: store)
        #expect(core.margin(of: "t")?.health == .healthy)
        #expect(core.liquidationActions().isEmpty, "nothing is due while every account is above MM")
        var notices: [EngineEvent] = []
        core.onLiquidationNotice = { notices.append($0) }
        let moved = W.t0.adding(seconds: 60)
        try core.submit(.market(MarketUpdate(underlying: "BTC", time: moved, index: 93_000)))
        #expect(core.margin(of: "t")?.health == .liquidation)
        // No book: the margin call, then no admissible step, so the takeover (no backstop: the fund).
        let actions = try LiquidationDriver.run(core)
        let call = try #require(actions.first?.marginCall)
        #expect(call.account == "t")
        #expect(close(call.equity, 13_600))
        #expect(close(call.maintenanceMargin, 14_694))
        #expect(close(call.shortfall, 1_094))
        #expect(call.time == moved, "the journal's time, never the wall clock")
        #expect(actions.filter { $0.marginCall != nil }.count == 1, "one call per liquidation")
        #expect(notices.first == actions.first, "published to subscribers")
        // Journaled: the payload reads back equal, and replay reproduces the state.
        let records = try store.allRecords(after: 0)
        #expect(records.contains { (try? EngineEvent(payload: $0.payload)) == actions.first })
        #expect(try EngineCore(store: store).digest == core.digest)
    }

    @Test("no margin call while liquidation is disabled, and none for an account only restricted")
    func disabledOrRestrictedGivesNoCall() throws {
        var w = W(btc: 95_000)
        w.position("t", "BTC-PERP", 1, entry: 100_000, against: "lp")
        w.fund("t", 20_600)
        w.fund("lp", 1_000_000_000)
        // At 95,000: equity 15,600 ≥ MM 15,010: restricted.
        let core = try w.engine()
        #expect(core.margin(of: "t")?.health == .restricted)
        #expect(core.liquidationActions().isEmpty)
        var settings = LiquidationSettings()
        settings.enabled = false
        try core.submit(.liquidationSettings(settings))
        try core.submit(.market(MarketUpdate(underlying: "BTC", time: W.t0, index: 93_000)))
        #expect(core.margin(of: "t")?.health == .liquidation)
        #expect(core.liquidationActions().isEmpty, "disabled: reported (health), not liquidated")
        #expect(throws: EngineError.self) {
            try core.submit(.marginCall(MarginCall(account: "t", equity: 0, maintenanceMargin: 0, shortfall: 0,
                                                   time: W.t0)))
        }
    }
}
