import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// The SIMD aggregation kernel against the engine's original scalar loop, and the one-pass multi-underlying update
/// against one update after the other.
@Suite struct AggregationKernelTests {
    typealias F = EngineFixtures

    @Test("the SIMD kernel's components and margins equal the scalar reference bit for bit, after market moves")
    func bitIdentical() async throws {
        let core = try await F.engine(F.genesis(accounts: 40, positions: 7))
        let check = await core.verifyAggregation()
        // 40 generated accounts, their 4 liquidity providers, 2 backstops, the insurance fund and the fee account.
        #expect(check.accounts == 48 && check.mismatches == 0)
        var market = F.market
        for k in 0..<6 {
            try await core.submit(.market(market.step(k % 2, seconds: 30, withSurface: k == 3)))
            #expect(await core.verifyAggregation().mismatches == 0)
        }
    }

    @Test("BTC and ETH updated in one pass give the margins of two separate passes, each account visited once")
    func onePassEqualsTwo() async throws {
        var market = F.market
        let btc = market.step(0, seconds: 30)
        let eth = market.step(1, seconds: 0)
        let one = try await F.engine()
        let two = try await F.engine()
        let ack = try await one.submitMarkets([btc, eth])
        #expect(ack.sequences.count == 2 && ack.rejected.isEmpty)
        try await two.submit(.market(btc))
        try await two.submit(.market(eth))
        #expect(await one.marginDigest == two.marginDigest)
        #expect(await one.state.markets == two.state.markets)
        #expect(await one.verifyAggregation().mismatches == 0)
    }

    @Test("a rejected update in a batch changes nothing of it; the others apply")
    func batchRejection() async throws {
        let core = try await F.engine()
        let btc = await core.state.markets["BTC"]!
        let bad = MarketUpdate(underlying: "ETH", time: btc.time, index: -1)
        let good = MarketUpdate(underlying: "BTC", time: btc.time, index: btc.index * 1.01)
        let before = await core.state.markets["ETH"]
        let ack = try await core.submitMarkets([good, bad])
        #expect(ack.sequences.count == 1 && ack.rejected.count == 1)
        #expect(await core.state.markets["ETH"] == before)
        #expect(await core.state.markets["BTC"]?.index == btc.index * 1.01)
        #expect(core.counters.rejected == 1 && core.counters.storageFaults == 0, "counted as a rejection")
    }

    @Test("a ledger that outgrows its slab region moves and keeps its margin exact")
    func slabGrowth() async throws {
        // Trades at a price of 1 on every instrument: the trade rules' band wide open.
        let core = try await F.emptyEngine(tradeRules: TradeRules(maxFeeRate: 1, priceBand: 1))
        try await core.submit(.deposit(Transfer(account: "g", currency: "USD", amount: 10_000_000)))
        try await core.submit(.deposit(Transfer(account: "h", currency: "USD", amount: 10_000_000)))
        let ids = await core.state.instruments.keys.sorted()
        for id in ids.prefix(12) {
            try await core.submit(F.trade(account: "g", instrument: id, quantity: 1, price: 1))
            try await core.submit(F.trade(account: "h", instrument: id, quantity: -1, price: 1))
            #expect(await core.verifyAggregation().mismatches == 0)
        }
    }
}
