import Foundation
import MarginCore
import MarginTestSupport
import Testing
@testable import MarginEngine

/// Issue item 7: the invariants are code; a violation halts liquidation and raises an alert, never silently
/// continues.
@Suite struct InvariantAlertTests {
    typealias W = LiquidationWorld

    @Test("an event's footprint check reports money created and open interest moved")
    func footprintDetectsMoneyAndOpenInterest() throws {
        var w = W()
        w.fund("a", 1_000)
        w.fund("b", 1_000)
        let trade = EngineEvent.trade(Trade(buyer: "a", seller: "b", instrument: "BTC-PERP", quantity: 1,
                                            price: 100_000))
        let footprint = try #require(LedgerFootprint(of: trade, in: w.state))
        var good = w.state
        good.apply(trade)
        #expect(footprint.violation(after: good) == nil)
        var money = good
        money.accounts["a"]?.balances["USD"]? += Decimal(string: "0.000000000000000001")!
        #expect(footprint.violation(after: money) == "money: USD changed by 0.000000000000000001, expected 0")
        var oi = good
        oi.accounts["b"]?.positions["BTC-PERP"]?.quantity = 0
        #expect(footprint.violation(after: oi)?.hasPrefix("open interest of BTC-PERP changed by 1") == true)
    }

    @Test("a ledger violation found at open is journaled as an alert that halts liquidation until new settings")
    func violationHaltsUntilNewSettings() throws {
        // Account t below MM (as in the margin-call test), but 1 USD more in balances than was deposited.
        var w = W(btc: 93_000)
        w.position("t", "BTC-PERP", 1, entry: 100_000, against: "lp")
        w.fund("t", 20_600)
        w.fund("lp", 1_000_000_000)
        w.state.accounts["t"]?.balances["USD"]? += 1
        let store = InMemoryJournal()
        let core = try w.engine(store: store)
        #expect(core.checkInvariants() == ["money: Σ USD = 1000020601, deposits − withdrawals = 1000020600"])
        #expect(core.auditLedger().count == 1)
        var notices: [EngineEvent] = []
        core.onLiquidationNotice = { notices.append($0) }
        let actions = try LiquidationDriver.run(core)
        guard case .alert(let alert) = try #require(actions.first) else { Issue.record("\(actions)"); return }
        #expect(actions.count == 1 && alert.kind == .violation && notices == actions)
        #expect(core.state.liquidationHalt == alert.reason)
        #expect(core.liquidationActions().isEmpty, "halted: no margin call, no step")
        #expect(throws: EngineError.self) {
            try core.submit(.marginCall(MarginCall(account: "t", equity: 0, maintenanceMargin: 0, shortfall: 0,
                                                   time: core.state.time)))
        }
        // The halt is journaled state: it survives a replay.
        #expect(try EngineCore(store: store).state.liquidationHalt == alert.reason)
        // An operator's new settings resume liquidation.
        try core.submit(.liquidationSettings(core.state.liquidation))
        #expect(core.state.liquidationHalt == nil)
        #expect(core.liquidationActions().first?.marginCall != nil)
    }
}
