import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// The liquidation planner and validation read an account's current margin from the book and its margin after a
/// change from ``RiskBook/hypothetical(_:)``: both must be the same function of the ledger, bit for bit.
@Suite struct HypotheticalMarginTests {
    @Test("the hypothetical margin of an unchanged ledger equals the book's margin bit for bit, and a patched base ledger equals the full conversion")
    func hypotheticalEqualsTheBook() throws {
        let core = EngineCore(state: EngineFixtures.genesis(accounts: 40, positions: 6))
        var market = EngineFixtures.market
        try core.apply(.market(market.step(0, seconds: 60, withSurface: true)))
        try Self.check(core)
        // Correlated mode too (the core's combination, over the positions in the slab's order).
        var correlated = core.state.parameters
        correlated.correlationMode = .correlated
        try core.apply(.parameters(correlated))
        var table = CorrelationTable()
        table.set("BTC", "ETH", rho: 0.7)
        try core.apply(.correlations(table))
        try Self.check(core)
    }

    static func check(_ core: EngineCore) throws {
        for name in core.state.accounts.keys.sorted() {
            let account = try #require(core.state.accounts[name])
            let h = core.book.hypothetical(account)
            let m = try #require(core.margin(of: name))
            #expect(h.equity.bitPattern == m.equity.bitPattern
                    && h.maintenanceMargin.bitPattern == m.maintenanceMargin.bitPattern
                    && h.initialMargin.bitPattern == m.initialMargin.bitPattern, "\(name)")
            let base = BaseLedger(book: core.book, account: account, name: name)
            let fromSlab = BaseLedger(book: core.book, account: account, name: nil)
            func bits(_ b: BaseLedger) -> [[UInt64]] {
                b.positions.map { [UInt64($0.slot.instrument), UInt64($0.slot.underlying), $0.slot.size.bitPattern,
                                   $0.slot.entry.bitPattern] }
            }
            #expect(bits(base) == bits(fromSlab), "\(name): the slab's slots")
            // Patch: halve the first position.
            guard let id = account.positions.keys.sorted().first, var p = account.positions[id] else { continue }
            p.quantity /= 2
            var after = account
            after.positions[id] = p
            let patched = base.margin(after: after, changed: id)
            let full = core.book.hypothetical(after)
            #expect(patched.maintenanceMargin.bitPattern == full.maintenanceMargin.bitPattern
                    && patched.equity.bitPattern == full.equity.bitPattern, "\(name)")
        }
    }
}
