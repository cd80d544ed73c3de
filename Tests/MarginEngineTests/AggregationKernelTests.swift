import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine

/// The SIMD aggregation kernel against the engine's original scalar loop, and the one-pass multi-underlying update
/// against one update after the other.
@Suite struct AggregationKernelTests {
    typealias F = EngineFixtures

    @Test("the SIMD kernel's components and margins equal the scalar reference bit for bit, after market moves")
    func bitIdentical() throws {
        let core = try EngineCore(store: InMemoryJournal(), genesis: F.genesis(accounts: 40, positions: 7))
        let check = core.verifyAggregation()
        // 40 generated accounts, their 4 liquidity providers, 2 backstops, the insurance fund and the fee account.
        #expect(check.accounts == 48 && check.mismatches == 0)
        var market = F.market
        for k in 0..<6 {
            try core.submit(.market(market.step(k % 2, seconds: 30, withSurface: k == 3)))
            #expect(core.verifyAggregation().mismatches == 0)
        }
    }

    @Test("BTC and ETH updated in one pass give the margins of two separate passes, each account visited once")
    func onePassEqualsTwo() throws {
        var market = F.market
        let btc = market.step(0, seconds: 30)
        let eth = market.step(1, seconds: 0)
        let one = try EngineCore(store: InMemoryJournal(), genesis: F.genesis())
        let two = try EngineCore(store: InMemoryJournal(), genesis: F.genesis())
        let ack = try one.submitMarkets([btc, eth])
        #expect(ack.sequences.count == 2 && ack.rejected.isEmpty)
        try two.submit(.market(btc))
        try two.submit(.market(eth))
        #expect(one.marginDigest == two.marginDigest)
        #expect(one.state.markets == two.state.markets)
        #expect(one.verifyAggregation().mismatches == 0)
    }

    @Test("a rejected update in a batch changes nothing of it; the others apply")
    func batchRejection() throws {
        let core = try EngineCore(store: InMemoryJournal(), genesis: F.genesis())
        let btc = core.state.markets["BTC"]!
        let bad = MarketUpdate(underlying: "ETH", time: btc.time, index: -1)
        let good = MarketUpdate(underlying: "BTC", time: btc.time, index: btc.index * 1.01)
        let before = core.state.markets["ETH"]
        let ack = try core.submitMarkets([good, bad])
        #expect(ack.sequences.count == 1 && ack.rejected.count == 1)
        #expect(core.state.markets["ETH"] == before)
        #expect(core.state.markets["BTC"]?.index == btc.index * 1.01)
    }

    @Test("a ledger that outgrows its slab region moves and keeps its margin exact")
    func slabGrowth() throws {
        let core = try F.emptyEngine()
        try core.submit(.deposit(Transfer(account: "g", currency: "USD", amount: 10_000_000)))
        try core.submit(.deposit(Transfer(account: "h", currency: "USD", amount: 10_000_000)))
        let ids = core.state.instruments.keys.sorted()
        for id in ids.prefix(12) {
            try core.submit(F.trade(account: "g", instrument: id, quantity: 1, price: 1))
            try core.submit(F.trade(account: "h", instrument: id, quantity: -1, price: 1))
            #expect(core.verifyAggregation().mismatches == 0)
        }
    }
}
