import Foundation
import MarginCore
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

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

    @Test("a ledger violation found at open (auditLedger) is journaled as an alert that halts liquidation until new settings")
    func violationHaltsUntilNewSettings() async throws {
        // Account t below MM (as in the margin-call test), but 1 USD more in balances than was deposited.
        var w = W(btc: 93_000)
        w.position("t", "BTC-PERP", 1, entry: 100_000, against: "lp")
        w.fund("t", 20_600)
        w.fund("lp", 1_000_000_000)
        w.state.accounts["t"]?.balances["USD"]? += 1
        let store = InMemoryJournal()
        let engine = try await w.engine(store: store)
        let found = "money: Σ USD = 1000020601, deposits − withdrawals = 1000020600"
        // Found at open by the full check (recorded, so checkInvariants() reports it with the state's own
        // recomputation), before anything is journaled: readable from any thread.
        let invariants = await engine.checkInvariants()
        #expect(invariants.first == found && invariants.allSatisfy { $0.hasSuffix(found) }, "\(invariants)")
        #expect(engine.ledgerStatus.violations.map { $0.hasSuffix(found) } == [true])
        #expect(engine.ledgerStatus.halt == nil)
        let notices = await engine.liquidationNotices()
        let actions = try await engine.journalDue().followUps
        guard case .alert(let alert) = try #require(actions.first) else { Issue.record("\(actions)"); return }
        #expect(actions.count == 1 && alert.kind == .violation)
        #expect(await take(1, from: notices).map(\.event) == actions)
        #expect(await engine.state.liquidationHalt == alert.reason)
        #expect(engine.ledgerStatus.halt == alert.reason && !engine.ledgerStatus.isClean)
        #expect(await engine.liquidationActions().isEmpty, "halted: no margin call, no step")
        // Trading and market data go on; liquidation does not.
        let moved = try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: W.t0.adding(seconds: 1),
                                                                 index: 92_000)))
        #expect(moved.followUps.isEmpty)
        #expect(await engine.margin(of: "t")?.health == .liquidation)
        await #expect(throws: EngineError.self) {
            try await engine.submit(.marginCall(MarginCall(account: "t", equity: 0, maintenanceMargin: 0,
                                                           shortfall: 0, time: W.t0)))
        }
        // The halt is journaled state: it survives a replay, and is not journaled again there.
        let replayed = try await RiskEngine.open(store: store)
        #expect(await replayed.state.liquidationHalt == alert.reason)
        #expect(replayed.ledgerStatus.halt == alert.reason)
        // An operator's new settings resume liquidation: the margin call follows in the same turn.
        let resumed = try await engine.submit(.liquidationSettings(await engine.state.liquidation))
        #expect(await engine.state.liquidationHalt == nil && engine.ledgerStatus.halt == nil)
        #expect(resumed.followUps.first?.marginCall?.account == "t")
    }
}
