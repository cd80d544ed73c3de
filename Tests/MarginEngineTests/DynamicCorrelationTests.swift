import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine

/// The dynamic table: realized correlation from the engine's own index updates, implied from cross rates, the rule,
/// the change detector on market time, the journaled `correlations` events with provenance, and exact replay.
@Suite struct DynamicCorrelationTests {
    typealias F = EngineFixtures

    static var correlatedParameters: RiskParameters {
        var p = RiskParameters.reference
        p.correlationMode = .correlated
        return p
    }

    /// A one-day half-life on a one-minute clock, warmed up after 30 intervals; tables at least 10 minutes apart.
    static func policy(fallback: CorrelationTable = CorrelationTable()) -> CorrelationPolicy {
        CorrelationPolicy(halfLifeSeconds: 86_400, samplingIntervalSeconds: 60, warmUpSamples: 30, impliedTenorDays: 30,
                          impliedMaximumAgeSeconds: 3_600, threshold: 0.02, minimumIntervalSeconds: 600,
                          fallback: fallback)
    }

    /// Index updates of BTC and ETH every `seconds` with log-return correlation `rho` (seeded).
    struct CorrelatedWalk {
        var rng: SplitMix64
        var time: Instant
        var btc: Double
        var eth: Double
        let rho: Double

        mutating func next(seconds: Int64 = 60) -> [MarketUpdate] {
            time = time.adding(seconds: seconds)
            let z1 = rng.gaussian()
            let z2 = rho * z1 + (1 - rho * rho).squareRoot() * rng.gaussian()
            btc *= Foundation.exp(0.002 * z1)
            eth *= Foundation.exp(0.003 * z2)
            // Both inside the same sampling interval (ticks at whole minutes; an update at a tick belongs to it).
            return [MarketUpdate(underlying: "BTC", time: time.adding(seconds: 3), index: btc),
                    MarketUpdate(underlying: "ETH", time: time.adding(seconds: 7), index: eth)]
        }
    }

    static func engine(store: InMemoryJournal = InMemoryJournal()) throws -> (EngineCore, CorrelatedWalk) {
        let core = try EngineCore(store: store, genesis: F.genesis(accounts: 12, positions: 4))
        try core.submit(.parameters(Self.correlatedParameters))
        try core.submit(.correlationPolicy(Self.policy(fallback: CorrelationTableTests.table([("BTC", "ETH", 0.3)]))))
        let btc = try #require(core.state.markets["BTC"])
        let eth = try #require(core.state.markets["ETH"])
        return (core, CorrelatedWalk(rng: SplitMix64(seed: 5), time: max(btc.time, eth.time), btc: btc.index,
                                     eth: eth.index, rho: 0.7))
    }

    /// Feeds `steps` pairs of updates, submitting the due table after each; returns the journaled tables' events.
    static func run(_ core: EngineCore, _ walk: inout CorrelatedWalk, steps: Int) throws
        -> [(CorrelationTable, CorrelationProvenance)]
    {
        var out: [(CorrelationTable, CorrelationProvenance)] = []
        for _ in 0..<steps {
            for m in walk.next() {
                try core.submit(.market(m))
                if let ack = try core.submitPendingCorrelationUpdate() {
                    let record = try #require(try core.store.allRecords(after: ack.sequence - 1).first)
                    guard case .correlations(let t, let p?) = try EngineEvent(payload: record.payload) else {
                        Issue.record("not a correlations event with provenance: \(record.payload)")
                        continue
                    }
                    out.append((t, p))
                }
            }
        }
        return out
    }

    @Test("realized correlation from the engine's index updates: fallback until warmed up, then realized near the true ρ; tables journaled only past the threshold and the minimum interval of market time")
    func realizedTables() throws {
        let (core, start) = try Self.engine()
        var walk = start
        let tables = try Self.run(core, &walk, steps: 400)
        try #require(tables.count >= 2)
        let first = tables[0]
        #expect(first.1.pairs.map(\.source) == [.fallback], "the first table is the fallback's during warm-up")
        #expect(first.0.rho("BTC", "ETH") == 0.3)
        let last = try #require(tables.last)
        let pair = try #require(last.1.pairs.first)
        #expect(pair.source == .realized)
        #expect(pair.samples >= 300)
        // n_eff ≈ 400 intervals: 4 standard errors of ρ = 0.7 are ≈ 0.1.
        #expect(abs(last.0.rho("BTC", "ETH") - 0.7) < 0.1, "realized \(last.0.rho("BTC", "ETH"))")
        #expect(core.state.correlations == last.0 && core.state.correlationProvenance == last.1)
        for k in 1..<tables.count {
            let elapsed = Double(tables[k].1.asOf.nanosecondsSinceEpoch - tables[k - 1].1.asOf.nanosecondsSinceEpoch) / 1e9
            #expect(elapsed >= 600, "tables \(elapsed) s apart")
            #expect(CorrelationTableChangeDetector.largestChange(tables[k - 1].0, tables[k].0) > 0.02)
            #expect(tables[k].1.largestChange == CorrelationTableChangeDetector.largestChange(tables[k - 1].0, tables[k].0))
        }
        #expect(core.verifyAggregation().mismatches == 0)
        try CorrelatedEngineTests.expectCoreMargins(core, "dynamic table")
    }

    @Test("replay is exact: recovered from genesis and from a mid-stream snapshot, the estimators, the state and the next tables equal the live engine's bit for bit")
    func replayReproducesEstimator() throws {
        let store = InMemoryJournal()
        let genesis = F.genesis(accounts: 12, positions: 4)
        let (live, start) = try Self.engine(store: store)
        var walk = start
        _ = try Self.run(live, &walk, steps: 150)
        try live.writeSnapshot()
        _ = try Self.run(live, &walk, steps: 150)
        // Recovered on copies of the journal: from its latest snapshot, and from genesis through every record.
        let records = try store.allRecords(after: 0)
        let fromSnapshot = InMemoryJournal()
        try fromSnapshot.append(records)
        try fromSnapshot.saveSnapshot(try #require(try store.latestSnapshot()))
        let fromGenesis = InMemoryJournal()
        try fromGenesis.append(records)
        let engines = [try EngineCore(store: fromSnapshot), try EngineCore(store: fromGenesis, genesis: genesis)]
        #expect(try store.latestSnapshot()?.sequence ?? 0 > 0)
        for recovered in engines {
            #expect(recovered.state == live.state)
            #expect(recovered.state.correlationMonitor == live.state.correlationMonitor)
            #expect(recovered.digest == live.digest)
            #expect(recovered.pendingCorrelationUpdate() == live.pendingCorrelationUpdate())
        }
        // Fed the same ticks, the recovered engines journal the same tables (and provenance) as the live one.
        let resume = walk
        let liveTables = try Self.run(live, &walk, steps: 120)
        #expect(!liveTables.isEmpty)
        for recovered in engines {
            var same = resume
            let tables = try Self.run(recovered, &same, steps: 120)
            #expect(tables.map(\.0) == liveTables.map(\.0))
            #expect(tables.map(\.1) == liveTables.map(\.1))
            #expect(recovered.digest == live.digest)
        }
    }

    @Test("the estimator's state round-trips through a snapshot's JSON bit for bit, and continues as the original")
    func estimatorStateRoundTrip() throws {
        let (core, start) = try Self.engine()
        var walk = start
        _ = try Self.run(core, &walk, steps: 80)
        let state = core.state
        let back = try EngineState(payload: state.payload)
        #expect(back == state)
        var a = state
        var b = back
        for m in walk.next() + walk.next() {
            a.apply(.market(m))
            b.apply(.market(m))
        }
        #expect(a.correlationMonitor == b.correlationMonitor)
        #expect(a.pendingCorrelationUpdate() == b.pendingCorrelationUpdate())
    }
}

/// Shared table helper.
enum CorrelationTableTests {
    static func table(_ pairs: [(String, String, Double)]) -> CorrelationTable {
        var t = CorrelationTable()
        for (a, b, rho) in pairs { t.set(a, b, rho: rho) }
        return t
    }
}
