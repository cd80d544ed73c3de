import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue item 4: the engine's market is the core's `UnderlyingMarket`, so a perpetual is marked at the perpetual
/// price when one is given (it used to be marked at the index), exactly as `MarginCalculator` marks it.
@Suite struct PerpetualPricingTests {
    typealias F = EngineFixtures

    /// An engine with the simulated markets and listings and account `p`: long a linear perpetual with an entry,
    /// short an inverse perpetual, long a future and short a call on BTC, long an ETH perpetual.
    static func engine(store: InMemoryJournal = InMemoryJournal()) async throws -> RiskEngine {
        let engine = try await F.emptyEngine(store: store)
        let instruments = await engine.state.instruments
        let ids = instruments.keys.sorted()
        let future = try #require(ids.first { id in
            if case .future = instruments[id]?.kind { return instruments[id]?.underlying == "BTC" }
            return false
        })
        let call = try #require(ids.first { instruments[$0]?.option?.right == .call
            && instruments[$0]?.underlying == "BTC" })
        try await engine.submit(.deposit(Transfer(account: "p", currency: "USD", amount: 2_000_000)))
        try await engine.submit(.deposit(Transfer(account: "p", currency: "BTC", amount: 3)))
        try await engine.submit(F.trade(account: "p", instrument: "BTC-PERP", quantity: 4, price: 99_500))
        try await engine.submit(F.trade(account: "p", instrument: "BTC-PERP-INV", quantity: -150_000,
                                           price: 100_250))
        try await engine.submit(F.trade(account: "p", instrument: future, quantity: F.dec("1.5"), price: 101_000))
        try await engine.submit(F.trade(account: "p", instrument: call, quantity: -2, price: 3_000))
        try await engine.submit(F.trade(account: "p", instrument: "ETH-PERP", quantity: 30, price: 3_480))
        return engine
    }

    /// The engine's figures against `MarginCalculator`'s on the engine's own portfolio and market snapshot.
    static func compare(_ engine: RiskEngine, _ account: String, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> (engine: AccountMargin, core: MarginReport)
    {
        let state = await engine.state
        let m = try #require(await engine.margin(of: account), sourceLocation: sourceLocation)
        let report = try MarginCalculator(parameters: state.parameters).margin(
            of: try #require(state.portfolio(of: account), sourceLocation: sourceLocation),
            market: state.marketSnapshot(), explain: false)
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }
        #expect(close(m.maintenanceMargin, report.maintenanceMargin), "MM", sourceLocation: sourceLocation)
        #expect(close(m.initialMargin, report.initialMargin), "IM", sourceLocation: sourceLocation)
        #expect(close(m.equity, report.equity), "equity", sourceLocation: sourceLocation)
        #expect(m.health == report.health, sourceLocation: sourceLocation)
        return (m, report)
    }

    @Test("with a perpetual price ≠ index, engine margins equal MarginCalculator's on the same portfolio and snapshot")
    func perpetualPriceDiffersFromIndex() async throws {
        let engine = try await Self.engine()
        let btc = try #require(await engine.state.markets["BTC"])
        let atIndex = try await Self.compare(engine, "p")
        // The perpetual trades at a 0.8% premium to the index.
        let perp = btc.index * 1.008
        try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time.adding(seconds: 1),
                                                     perpetualPrice: perp)))
        #expect(await engine.state.markets["BTC"]?.perpetualPrice == perp)
        #expect(await engine.state.markets["BTC"]?.index == btc.index)
        let atPerp = try await Self.compare(engine, "p")
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
        try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time.adding(seconds: 2),
                                                     index: s * 1.01)))
        #expect(await engine.state.markets["BTC"]?.perpetualPrice == perp)
        _ = try await Self.compare(engine, "p")
        #expect(await engine.verifyAggregation().mismatches == 0)
    }

    @Test("the perpetual price is journaled and snapshotted: recovery from the journal and from a snapshot gives the same digest")
    func perpetualPriceSurvivesRecovery() async throws {
        let store = InMemoryJournal()
        let digest: String
        do {
            let engine = try await Self.engine(store: store)
            let btc = try #require(await engine.state.markets["BTC"])
            try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time,
                                                         perpetualPrice: btc.index * 0.995)))
            try await engine.writeSnapshot()
            try await engine.submit(.market(MarketUpdate(underlying: "ETH", time: btc.time, perpetualPrice: 3_512.5)))
            digest = await engine.digest
        }
        let fromSnapshot = try await RiskEngine.open(store: store)
        #expect(await fromSnapshot.digest == digest)
        #expect(await fromSnapshot.state.markets["ETH"]?.perpetualPrice == 3_512.5)
        let replay = InMemoryJournal()
        try replay.append(try await store.allRecords(after: 0))
        #expect(try await RiskEngine.open(store: replay).digest == digest)
    }
}
