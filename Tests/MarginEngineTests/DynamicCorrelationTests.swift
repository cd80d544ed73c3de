import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

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

    static func engine(store: InMemoryJournal = InMemoryJournal()) async throws -> (RiskEngine, CorrelatedWalk) {
        let engine = try await RiskEngine.open(store: store, genesis: F.genesis(accounts: 12, positions: 4))
        try await engine.submit(.parameters(Self.correlatedParameters))
        try await engine.submit(.correlationPolicy(Self.policy(
            fallback: CorrelationTableTests.table([("BTC", "ETH", 0.3)]))))
        let btc = try #require(await engine.state.markets["BTC"])
        let eth = try #require(await engine.state.markets["ETH"])
        return (engine, CorrelatedWalk(rng: SplitMix64(seed: 5), time: max(btc.time, eth.time), btc: btc.index,
                                       eth: eth.index, rho: 0.7))
    }

    /// The rule's `correlations` events (with provenance) journaled in `store` after `sequence`, in order.
    static func ruleTables(in store: InMemoryJournal, after sequence: UInt64) throws
        -> [(CorrelationTable, CorrelationProvenance)]
    {
        var out: [(CorrelationTable, CorrelationProvenance)] = []
        for record in try store.records(after: sequence, limit: 1_000_000) {
            guard case .correlations(let t, let p) = try EngineEvent(payload: record.payload) else { continue }
            guard let p else {
                Issue.record("a correlations event without provenance: \(record.payload)")
                continue
            }
            out.append((t, p))
        }
        return out
    }

    /// Feeds `steps` pairs of updates to `engine` (on `store`); the driver journals the due table after each by
    /// itself. Returns the tables journaled meanwhile, read from the journal after each submit.
    static func run(_ engine: RiskEngine, _ store: InMemoryJournal, _ walk: inout CorrelatedWalk, steps: Int)
        async throws -> [(CorrelationTable, CorrelationProvenance)]
    {
        var out: [(CorrelationTable, CorrelationProvenance)] = []
        for _ in 0..<steps {
            for m in walk.next() {
                let ack = try await engine.submit(.market(m))
                let tables = try Self.ruleTables(in: store, after: ack.sequence)
                #expect(tables.count <= 1, "at most one table per market event")
                out += tables
                #expect(await engine.pendingCorrelationUpdate() == nil, "the driver journaled the due table")
            }
        }
        return out
    }

    @Test("realized correlation from the engine's index updates: fallback until warmed up, then realized near the true ρ; tables journaled only past the threshold and the minimum interval of market time")
    func realizedTables() async throws {
        let store = InMemoryJournal()
        let (engine, start) = try await Self.engine(store: store)
        var walk = start
        let tables = try await Self.run(engine, store, &walk, steps: 400)
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
        let state = await engine.state
        #expect(state.correlations == last.0 && state.correlationProvenance == last.1)
        for k in 1..<tables.count {
            let (t0, t1) = (tables[k - 1].1.asOf, tables[k].1.asOf)
            let elapsed = Double(t1.nanosecondsSinceEpoch - t0.nanosecondsSinceEpoch) / 1e9
            #expect(elapsed >= 600, "tables \(elapsed) s apart")
            #expect(CorrelationTableChangeDetector.largestChange(tables[k - 1].0, tables[k].0) > 0.02)
            let change = CorrelationTableChangeDetector.largestChange(tables[k - 1].0, tables[k].0)
            #expect(tables[k].1.largestChange == change)
        }
        #expect(try Self.ruleTables(in: store, after: 0).count == tables.count, "no table journaled but these")
        #expect(await engine.verifyAggregation().mismatches == 0)
        try await CorrelatedEngineTests.expectCoreMargins(engine, "dynamic table")
    }

    @Test("replay is exact: recovered from genesis and from a mid-stream snapshot, the estimators, the state and the next tables equal the live engine's bit for bit")
    func replayReproducesEstimator() async throws {
        let store = InMemoryJournal()
        let genesis = F.genesis(accounts: 12, positions: 4)
        let (live, start) = try await Self.engine(store: store)
        var walk = start
        _ = try await Self.run(live, store, &walk, steps: 150)
        try await live.writeSnapshot()
        _ = try await Self.run(live, store, &walk, steps: 150)
        // Recovered on copies of the journal: from its latest snapshot, and from genesis through every record.
        let records = try await store.allRecords(after: 0)
        let fromSnapshot = InMemoryJournal()
        try fromSnapshot.append(records)
        try fromSnapshot.saveSnapshot(try #require(try store.latestSnapshot()))
        let fromGenesis = InMemoryJournal()
        try fromGenesis.append(records)
        let recoveredStores = [fromSnapshot, fromGenesis]
        let engines = [try await RiskEngine.open(store: fromSnapshot),
                       try await RiskEngine.open(store: fromGenesis, genesis: genesis)]
        #expect(try store.latestSnapshot()?.sequence ?? 0 > 0)
        let liveState = await live.state
        for recovered in engines {
            #expect(await recovered.state == liveState)
            #expect(await recovered.state.correlationMonitor == liveState.correlationMonitor)
            #expect(await recovered.digest == live.digest)
            #expect(await recovered.pendingCorrelationUpdate() == live.pendingCorrelationUpdate())
        }
        // Fed the same ticks, the recovered engines journal the same tables (and provenance) as the live one.
        let resume = walk
        let liveTables = try await Self.run(live, store, &walk, steps: 120)
        #expect(!liveTables.isEmpty)
        for (recovered, recoveredStore) in zip(engines, recoveredStores) {
            var same = resume
            let tables = try await Self.run(recovered, recoveredStore, &same, steps: 120)
            #expect(tables.map(\.0) == liveTables.map(\.0))
            #expect(tables.map(\.1) == liveTables.map(\.1))
            #expect(await recovered.digest == live.digest)
            #expect(try await recoveredStore.allRecords(after: 0) == store.allRecords(after: 0), "the same journal")
        }
    }

    @Test("the estimator's state round-trips through a snapshot's JSON bit for bit, and continues as the original")
    func estimatorStateRoundTrip() async throws {
        let store = InMemoryJournal()
        let (engine, start) = try await Self.engine(store: store)
        var walk = start
        _ = try await Self.run(engine, store, &walk, steps: 80)
        let state = await engine.state
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

/// Cross rates in the engine, implied correlation at the tenor, the table staying positive definite, the events'
/// formats and validation.
@Suite struct DynamicCorrelationSourcesTests {
    typealias F = EngineFixtures
    typealias D = DynamicCorrelationTests

    /// An engine with BTC, ETH (surfaces) and SOL (index only) markets, the policy with fallback ρ(BTC, SOL) = 0.5
    /// and ρ(ETH, SOL) = 0.6, and an ETH/BTC cross quoted flat at `crossVol`; then a BTC tick, after which the
    /// driver journals the rule's first table.
    static func engine(crossVol: Double = 0.45) async throws -> (RiskEngine, InMemoryJournal, Instant) {
        let store = InMemoryJournal()
        let engine = try await RiskEngine.open(store: store, genesis: F.genesis(accounts: 8, positions: 4))
        let btc = try #require(await engine.state.markets["BTC"])
        let eth = try #require(await engine.state.markets["ETH"])
        let t = max(btc.time, eth.time)
        try await engine.submit(.market(MarketUpdate(underlying: "SOL", time: t, index: 150, rate: 0)))
        let fallback = CorrelationTableTests.table([("BTC", "SOL", 0.5), ("ETH", "SOL", 0.6)])
        try await engine.submit(.correlationPolicy(D.policy(fallback: fallback)))
        try await engine.submit(.crossRate(Self.cross(index: eth.index / btc.index, time: t, vol: crossVol)))
        #expect(try D.ruleTables(in: store, after: 0).isEmpty, "no table before a market event under the policy")
        try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: t.adding(seconds: 1), index: btc.index)))
        return (engine, store, t)
    }

    static func cross(index: Double, time: Instant, vol: Double) -> CrossRateUpdate {
        let quotes = F.market.expiries.map { e in
            VolQuote(expiry: e, strikes: [0.7, 0.85, 1, 1.15, 1.3].map { $0 * index },
                     vols: [Double](repeating: vol, count: 5))
        }
        return CrossRateUpdate(base: "ETH", quote: "BTC", time: time, index: index, rate: 0, surface: quotes)
    }

    @Test("implied at the tenor where a cross rate is quoted (the core's ImpliedCorrelation, bit for bit), the fallback elsewhere; a stale cross falls back with a note")
    func impliedWhereQuoted() async throws {
        let (engine, store, t) = try await Self.engine()
        // The driver journaled the rule's table right after the BTC tick.
        let journaled = try D.ruleTables(in: store, after: 0)
        #expect(journaled.count == 1)
        let (table, provenance) = try #require(journaled.first)
        let sources = Dictionary(uniqueKeysWithValues: provenance.pairs.map { ($0.pair.description, $0.source) })
        #expect(sources == ["BTC/ETH": .implied, "BTC/SOL": .fallback, "ETH/SOL": .fallback])
        let state = await engine.state
        let clock = try #require(state.correlationMonitor.clock)
        #expect(provenance.asOf == clock)
        let legs = state.markets.filter { $0.key != "SOL" }
        let cross = try #require(state.crossRates[UnderlyingPair("BTC", "ETH")])
        let expected = try ImpliedCorrelation(snapshot: MarketSnapshot(valuationTime: clock, underlyings: legs,
                                                                       crossRates: [cross]), tenorYears: 30.0 / 365)
        let implied = try #require(expected.pairs.first?.implied)
        #expect(provenance.pairs[0].sourced.bitPattern == implied.bitPattern)
        #expect(table.rho("BTC", "ETH") == implied, "a positive definite matrix is kept bit for bit")
        #expect(table.rho("BTC", "SOL") == 0.5 && table.rho("ETH", "SOL") == 0.6)
        #expect(!provenance.repaired && provenance.pairs.allSatisfy { !$0.repaired })
        #expect(state.correlations == table)
        #expect(state.correlationProvenance == provenance)
        #expect(await engine.pendingCorrelationUpdate() == nil, "nothing moved")
        // The state with cross rates, policy, estimators and provenance round-trips through its snapshot JSON.
        #expect(try EngineState(payload: state.payload) == state)
        // Two hours later the cross is stale: BTC/ETH is no longer implied, and the provenance says why.
        for k in 1...120 {
            let time = t.adding(seconds: Int64(60 * k))
            let (btc, eth) = (100_000 * (1 + 0.001 * Double(k % 7)), 3_500 * (1 + 0.001 * Double(k % 5)))
            try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: time, index: btc)))
            try await engine.submit(.market(MarketUpdate(underlying: "ETH", time: time, index: eth)))
        }
        let later = try #require(await engine.state.correlationDecision())
        let btcEth = try #require(later.provenance.pairs.first)
        #expect(btcEth.source != .implied)
        #expect(btcEth.note?.contains("older than 3600") == true, "\(btcEth.note ?? "no note")")
    }

    @Test("cross rates are validated before the journal: legs with a market and a surface, time never back, vols consistent with the legs'")
    func crossRateRejections() async throws {
        let (engine, store, t) = try await Self.engine()
        let journal = try await store.allRecords(after: 0)
        let btc = try #require(await engine.state.markets["BTC"])
        func rejected(_ c: CrossRateUpdate, field: String, reason: String) async {
            do {
                try await engine.submit(.crossRate(c))
                Issue.record("accepted \(c)")
            } catch {
                guard case .invalid(let f, let r) = error else { Issue.record("unexpected \(error)"); return }
                #expect(f == field)
                #expect(r.contains(reason), "\(r)")
            }
            #expect((try? await store.allRecords(after: 0)) == journal)
        }
        let good = Self.cross(index: 0.035, time: t, vol: 0.45)
        var c = good
        c.base = "DOGE"
        await rejected(c, field: "base", reason: "no market for \"DOGE\"")
        c = good
        c.quote = "SOL"
        await rejected(c, field: "quote", reason: "SOL has no vol surface")
        c = good
        c.quote = "ETH"
        await rejected(c, field: "quote", reason: "must differ from base")
        c = good
        c.surface = []
        await rejected(c, field: "volSurface", reason: "required")
        c = good
        c.time = btc.time.adding(seconds: -3_600)
        await rejected(c, field: "time", reason: "before the cross's current valuation time")
        await rejected(Self.cross(index: 0.035, time: t, vol: 3.0), field: "volSurface", reason: "outside [-1, 1]")
    }

    @Test("the table in force stays positive definite under random inputs: random (even inconsistent) fallback tables mixed with realized estimates are repaired and accepted")
    func positiveDefiniteUnderRandomInputs() async throws {
        var repaired = 0
        for seed in UInt64(1)...30 {
            var rng = SplitMix64(seed: seed)
            let store = InMemoryJournal()
            let engine = try await RiskEngine.open(store: store, genesis: F.genesis(accounts: 4, positions: 2))
            let t0 = try #require(await engine.state.markets["BTC"]?.time)
            let names = ["BTC", "ETH", "SOL", "XRP"]
            try await engine.submit(.market(MarketUpdate(underlying: "SOL", time: t0, index: 150)))
            try await engine.submit(.market(MarketUpdate(underlying: "XRP", time: t0, index: 2.5)))
            var fallback = CorrelationTable()
            for i in 0..<4 {
                for j in (i + 1)..<4 { fallback.set(names[i], names[j], rho: 2 * rng.unit() - 1) }
            }
            var policy = D.policy(fallback: fallback)
            policy.warmUpSamples = 2
            try await engine.submit(.correlationPolicy(policy))
            let start = await engine.sequence
            var index = [100_000.0, 3_500, 150, 2.5]
            for k in 0..<Int(rng.next() % 12) {
                for u in 0..<4 where rng.unit() < 0.6 {
                    index[u] *= Foundation.exp(0.01 * rng.gaussian())
                    let time = t0.adding(seconds: Int64(60 * k + u))
                    try await engine.submit(.market(MarketUpdate(underlying: names[u], time: time, index: index[u])))
                }
            }
            try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: t0.adding(seconds: 3_600),
                                                         index: index[0])))
            // Every table the driver journaled under the policy (the first at once, on the first market event).
            let tables = try D.ruleTables(in: store, after: start)
            try #require(!tables.isEmpty, "seed \(seed)")
            for (table, provenance) in tables {
                _ = try CorrelationModel(names: names, table: table)
                for (a, b, rho) in table.pairs { #expect(abs(rho) <= 0.99, "seed \(seed) \(a)/\(b)") }
                if provenance.repaired { repaired += 1 }
                #expect(provenance.repaired == provenance.pairs.contains { $0.repaired && abs($0.sourced) <= 0.99 }
                        || provenance.pairs.contains { abs($0.sourced) > 0.99 })
            }
            #expect(await engine.state.correlations == tables.last?.0)
            #expect(await engine.pendingCorrelationUpdate() == nil, "seed \(seed): nothing left due")
        }
        #expect(repaired > 0, "some random tables needed the nearest-correlation repair")
    }

    @Test("the new events round-trip through their canonical JSON; a policy out of range is rejected naming the field and never journaled")
    func eventsJSONAndValidation() async throws {
        let (engine, store, t) = try await Self.engine()
        let provenance = CorrelationProvenance(asOf: t, pairs: [
            .init(pair: UnderlyingPair("ETH", "BTC"), source: .implied, sourced: 0.75, repaired: false, samples: 12),
            .init(pair: UnderlyingPair("BTC", "SOL"), source: .fallback, sourced: 1, repaired: true, samples: 0,
                  note: "implied: stale"),
        ], repaired: true, largestChange: 0.25)
        let events: [EngineEvent] = [
            .correlationPolicy(D.policy(fallback: CorrelationTableTests.table([("BTC", "ETH", 0.4)]))),
            .crossRate(Self.cross(index: 0.035, time: t, vol: 0.45)),
            .correlations(CorrelationTableTests.table([("BTC", "ETH", 0.75), ("BTC", "SOL", 0.99)]),
                          provenance: provenance),
        ]
        for event in events {
            let back = try EngineEvent(payload: event.payload)
            #expect(back == event, "\(event.payload)")
            #expect(back.payload == event.payload)
        }
        #expect(events[2].payload.contains(#""provenance":{"asOf":"#))
        let journal = try await store.allRecords(after: 0)
        var bad = D.policy()
        bad.halfLifeSeconds = -1
        await #expect(throws: EngineError.invalid(field: "correlationPolicy.halfLifeSeconds",
                                                  reason: "must be a number of seconds in (0, 3.2e10], got -1.0")) {
            try await engine.submit(.correlationPolicy(bad))
        }
        bad = D.policy()
        bad.fallback = CorrelationTableTests.table([("BTC", "ETH", 1.5)])
        await #expect(throws: EngineError.self) { try await engine.submit(.correlationPolicy(bad)) }
        #expect(try await store.allRecords(after: 0) == journal)
        // A disabled policy proposes nothing; re-enabling restarts the estimators (warm-up again).
        var off = D.policy()
        off.enabled = false
        try await engine.submit(.correlationPolicy(off))
        #expect(await engine.pendingCorrelationUpdate() == nil)
        #expect(await engine.state.correlationMonitor == CorrelationMonitor())
    }
}
