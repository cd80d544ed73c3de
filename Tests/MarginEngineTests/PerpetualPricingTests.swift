import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine

/// Issue item 4: the engine's market is the core's `UnderlyingMarket`, so a perpetual is marked at the perpetual
/// price when one is given (it used to be marked at the index), exactly as `MarginCalculator` marks it.
@Suite struct PerpetualPricingTests {
    typealias F = EngineFixtures

    /// An engine with the simulated markets and listings and account `p`: long a linear perpetual with an entry,
    /// short an inverse perpetual, long a future and short a call on BTC, long an ETH perpetual.
    static func engine(store: InMemoryJournal = InMemoryJournal()) throws -> EngineCore {
        let core = try F.emptyEngine(store: store)
        let ids = core.state.instruments.keys.sorted()
        let future = try #require(ids.first { id in
            if case .future = core.state.instruments[id]?.kind { return core.state.instruments[id]?.underlying == "BTC" }
            return false
        })
        let call = try #require(ids.first { core.state.instruments[$0]?.option?.right == .call
            && core.state.instruments[$0]?.underlying == "BTC" })
        try core.submit(.deposit(Transfer(account: "p", currency: "USD", amount: 2_000_000)))
        try core.submit(.deposit(Transfer(account: "p", currency: "BTC", amount: 3)))
        try core.submit(F.trade(account: "p", instrument: "BTC-PERP", quantity: 4, price: 99_500))
        try core.submit(F.trade(account: "p", instrument: "BTC-PERP-INV", quantity: -150_000, price: 100_250))
        try core.submit(F.trade(account: "p", instrument: future, quantity: F.dec("1.5"), price: 101_000))
        try core.submit(F.trade(account: "p", instrument: call, quantity: -2, price: 3_000))
        try core.submit(F.trade(account: "p", instrument: "ETH-PERP", quantity: 30, price: 3_480))
        return core
    }

    /// The engine's figures against `MarginCalculator`'s on the engine's own portfolio and market snapshot.
    static func compare(_ core: EngineCore, _ account: String,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> (engine: AccountMargin, core: MarginReport) {
        let m = try #require(core.margin(of: account), sourceLocation: sourceLocation)
        let report = try MarginCalculator(parameters: core.state.parameters).margin(
            of: try #require(core.state.portfolio(of: account), sourceLocation: sourceLocation),
            market: core.state.marketSnapshot(), explain: false)
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }
        #expect(close(m.maintenanceMargin, report.maintenanceMargin), "MM", sourceLocation: sourceLocation)
        #expect(close(m.initialMargin, report.initialMargin), "IM", sourceLocation: sourceLocation)
        #expect(close(m.equity, report.equity), "equity", sourceLocation: sourceLocation)
        #expect(m.health == report.health, sourceLocation: sourceLocation)
        return (m, report)
    }

    @Test("with a perpetual price ≠ index, engine margins equal MarginCalculator's on the same portfolio and snapshot")
    func perpetualPriceDiffersFromIndex() throws {
        let core = try Self.engine()
        let btc = try #require(core.state.markets["BTC"])
        let atIndex = try Self.compare(core, "p")
        // The perpetual trades at a 0.8% premium to the index.
        let perp = btc.index * 1.008
        try core.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time.adding(seconds: 1), perpetualPrice: perp)))
        #expect(core.state.markets["BTC"]?.perpetualPrice == perp)
        #expect(core.state.markets["BTC"]?.index == btc.index)
        let atPerp = try Self.compare(core, "p")
        // The perpetuals are marked at the perpetual price: their unrealized P&L in equity moves by
        // 4·(P − S) − 150 000·(1/100 250 − 1/P)·S + 150 000·(1/100 250 − 1/S)·S, everything else held.
        let s = btc.index
        let expectedMove = 4 * (perp - s) - 150_000 * (1 / 100_250 - 1 / perp) * s + 150_000 * (1 / 100_250 - 1 / s) * s
        #expect(abs((atPerp.engine.equity - atIndex.engine.equity) - expectedMove) <= 1e-6 * abs(expectedMove))
        #expect(atPerp.engine.equity != atIndex.engine.equity)
        // Bit for bit, too: the engine sums in the core's order.
        #expect(atPerp.engine.maintenanceMargin.bitPattern == atPerp.core.maintenanceMargin.bitPattern)
        #expect(atPerp.engine.equity.bitPattern == atPerp.core.equity.bitPattern)
        // A later index-only tick keeps the perpetual price (absent fields keep their values).
        try core.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time.adding(seconds: 2), index: s * 1.01)))
        #expect(core.state.markets["BTC"]?.perpetualPrice == perp)
        _ = try Self.compare(core, "p")
        #expect(core.verifyAggregation().mismatches == 0)
    }

    @Test("the perpetual price is journaled and snapshotted: recovery from the journal and from a snapshot gives the same digest")
    func perpetualPriceSurvivesRecovery() throws {
        let store = InMemoryJournal()
        let digest: String
        do {
            let core = try Self.engine(store: store)
            let btc = try #require(core.state.markets["BTC"])
            try core.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time, perpetualPrice: btc.index * 0.995)))
            try core.writeSnapshot()
            try core.submit(.market(MarketUpdate(underlying: "ETH", time: btc.time, perpetualPrice: 3_512.5)))
            digest = core.digest
        }
        let fromSnapshot = try EngineCore(store: store)
        #expect(fromSnapshot.digest == digest)
        #expect(fromSnapshot.state.markets["ETH"]?.perpetualPrice == 3_512.5)
        let replay = InMemoryJournal()
        try replay.append(try store.allRecords(after: 0))
        #expect(try EngineCore(store: replay).digest == digest)
    }
}
