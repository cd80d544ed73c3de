import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine
@testable import MarginLedger

@Suite struct ConflationTests {
    @Test("conflation keeps the latest update per underlying and the oldest arrival; memory stays bounded")
    func latestWins() {
        let c = MarketConflator()
        let t = Instant(secondsSinceEpoch: 1_767_225_600)
        let surface = [VolQuote(expiry: t.adding(seconds: 86_400), strikes: [1], vols: [0.5])]
        let first = ContinuousClock.now
        c.offer(MarketUpdate(underlying: "BTC", time: t, index: 1, surface: surface), at: first)
        for i in 2...10_000 {
            c.offer(MarketUpdate(underlying: "BTC", time: t.adding(seconds: Int64(i)), index: Double(i)))
            c.offer(MarketUpdate(underlying: "ETH", time: t.adding(seconds: Int64(i)), index: Double(i) / 10))
        }
        #expect(c.pendingCount == 2)
        let pending = c.drain()
        #expect(pending.map(\.update.underlying) == ["BTC", "ETH"])
        #expect(pending[0].update.index == 10_000)
        #expect(pending[0].update.time == t.adding(seconds: 10_000))
        #expect(pending[0].update.surface == surface, "a later tick without a surface keeps the pending surface")
        #expect(pending[0].firstArrival == first)
        #expect(pending[0].ticks == 10_000)
        #expect(pending[1].update.index == 1_000)
        #expect(c.drain().isEmpty)
        #expect(c.counts.superseded == 9_999 + 9_998)
    }

    @Test("the engine applies only the latest conflated price and publishes health changes")
    func engineConflation() async throws {
        let store = InMemoryJournal()
        let engine = try await EngineFixtures.engine(store: store)
        let updates = await engine.healthChanges()
        let btc = await engine.state.markets["BTC"]!
        for k in 1...50 {
            engine.offer(MarketUpdate(underlying: "BTC", time: btc.time.adding(seconds: Int64(k)),
                                      index: btc.index * (1 - 0.004 * Double(k))))
        }
        let before = try store.lastSequence()
        await engine.processPendingMarket()
        let records = try await store.allRecords(after: before)
        let markets = try records.map { try EngineEvent(payload: $0.payload) }.compactMap { e -> MarketUpdate? in
            if case .market(let m) = e { return m }
            return nil
        }
        #expect(markets.count == 1)
        #expect(markets.first?.index == btc.index * (1 - 0.004 * 50))
        let stats = await engine.takeStats()
        #expect(stats.updates == 1 && stats.superseded == 49)
        // The update's health changes; its follow-ups (liquidation actions) are journaled too, with theirs.
        let healthRecords = try records.filter { try EngineEvent(payload: $0.payload).kind == "health" }.count
        await engine.shutdown()
        var received = 0
        for await _ in updates { received += 1 }
        #expect(received == healthRecords)
        #expect(received > 0, "a 20% drop moves some account's health")
    }
}
