import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue 20 item 2: the planner margins the accounts it changed (liquidity providers, backstops, the fund) from
/// their kept hot-loop ledgers, patched per action, and orders a ledger's positions by the instruments' ranks
/// instead of comparing ids; both must give exactly what converting the whole ledger gives.
@Suite struct PlannerLedgerTests {
    /// Crash populations after a fall of 8–16% (a squeeze for some seeds): many steps, takeovers with backstops
    /// and the fund, deleveraging when the fund is small.
    static func breached(seed: UInt64) -> EngineState {
        var rng = SplitMix64(seed: seed)
        var state = CrashPopulation.genesis(market: SimulatedMarket(seed: seed), accounts: 60, optionsPerUnderlying: 20,
                                            seed: seed, insuranceFund: Decimal([0, 5_000, 1_000_000][Int(seed % 3)]),
                                            largeAccountPositions: 10 + Int(rng.next() % 30))
        let move = seed % 4 == 3 ? 1.06 : 0.84 + 0.08 * rng.unit()
        for (u, m) in state.markets.sorted(by: { $0.key < $1.key }) {
            state.apply(.market(MarketUpdate(underlying: u, time: state.time.adding(seconds: 1), index: m.index * move)))
        }
        return state
    }

    @Test("after a whole plan, the margin of every account the plan changed, from its kept ledger, is bit for bit the margin of its whole ledger converted again; so are the kept slots")
    func keptLedgersAreExact() throws {
        var compared = 0
        var kinds = Set<String>()
        for seed in UInt64(1)...8 {
            let core = EngineCore(state: Self.breached(seed: seed))
            core.setThreads(1)
            var planner = LiquidationPlanner(book: core.book, state: core.state)
            let events = planner.plan()
            kinds.formUnion(events.map(\.kind))
            for name in planner.touched.sorted() {
                guard let account = planner.scratch.accounts[name] else { continue }
                let whole = core.book.hypothetical(account)
                let kept = planner.margin(name)
                #expect(kept.equity.bitPattern == whole.equity.bitPattern, "seed \(seed) \(name)")
                #expect(kept.maintenanceMargin.bitPattern == whole.maintenanceMargin.bitPattern, "seed \(seed) \(name)")
                #expect(kept.initialMargin.bitPattern == whole.initialMargin.bitPattern, "seed \(seed) \(name)")
                if let slots = planner.ledgers[name] {
                    #expect(LiquidationPlanner.sameSlots(slots, core.book.orderedSlots(of: account)))
                }
                compared += 1
            }
        }
        #expect(compared >= 50, "\(compared) changed accounts compared")
        #expect(kinds.isSuperset(of: ["liquidation", "takeover"]), "\(kinds)")
    }

    @Test("a ledger's slots ordered by instrument rank are in (underlying slot, instrument id) order, the order of the book's slab, for random ledgers")
    func rankOrderIsIdOrder() {
        let state = Self.breached(seed: 2)
        let core = EngineCore(state: state)
        let book = core.book
        let ids = state.instruments.keys.sorted()
        var rng = SplitMix64(seed: 9)
        for _ in 0..<200 {
            var account = AccountState()
            for _ in 0..<Int(rng.next() % 40) {
                let id = ids[Int(rng.next() % UInt64(ids.count))]
                account.positions[id] = PositionState(quantity: Decimal(Int(rng.next() % 9) - 4))
            }
            let ranked = book.orderedSlots(of: account)
            let reference = ranked.sorted { a, b in
                a.slot.underlying != b.slot.underlying ? a.slot.underlying < b.slot.underlying : a.id < b.id
            }
            #expect(ranked.map(\.id) == reference.map(\.id))
            #expect(Set(ranked.map(\.id)) == Set(account.positions.keys.filter { book.instrumentSlot[$0] != nil }))
        }
    }
}
