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
            let (t0, t1) = (tables[k - 1].1.asOf, tables[k].1.asOf)
            let elapsed = Double(t1.nanosecondsSinceEpoch - t0.nanosecondsSinceEpoch) / 1e9
            #expect(elapsed >= 600, "tables \(elapsed) s apart")
            #expect(CorrelationTableChangeDetector.largestChange(tables[k - 1].0, tables[k].0) > 0.02)
            let change = CorrelationTableChangeDetector.largestChange(tables[k - 1].0, tables[k].0)
            #expect(tables[k].1.largestChange == change)
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

/// Cross rates in the engine, implied correlation at the tenor, the table staying positive definite, the events'
/// formats and validation.
@Suite struct DynamicCorrelationSourcesTests {
    typealias F = EngineFixtures
    typealias D = DynamicCorrelationTests

    /// An engine with BTC, ETH (surfaces) and SOL (index only) markets, the policy with fallback ρ(BTC, SOL) = 0.5
    /// and ρ(ETH, SOL) = 0.6, and an ETH/BTC cross quoted flat at `crossVol`.
    static func engine(crossVol: Double = 0.45) throws -> (EngineCore, Instant) {
        let core = try EngineCore(store: InMemoryJournal(), genesis: F.genesis(accounts: 8, positions: 4))
        let btc = try #require(core.state.markets["BTC"])
        let eth = try #require(core.state.markets["ETH"])
        let t = max(btc.time, eth.time)
        try core.submit(.market(MarketUpdate(underlying: "SOL", time: t, index: 150, rate: 0)))
        let fallback = CorrelationTableTests.table([("BTC", "SOL", 0.5), ("ETH", "SOL", 0.6)])
        try core.submit(.correlationPolicy(D.policy(fallback: fallback)))
        try core.submit(.crossRate(Self.cross(index: eth.index / btc.index, time: t, vol: crossVol)))
        try core.submit(.market(MarketUpdate(underlying: "BTC", time: t.adding(seconds: 1), index: btc.index)))
        return (core, t)
    }

    static func cross(index: Double, time: Instant, vol: Double) -> CrossRateUpdate {
        let quotes = F.market.expiries.map { e in
            VolQuote(expiry: e, strikes: [0.7, 0.85, 1, 1.15, 1.3].map { $0 * index },
                     vols: [Double](repeating: vol, count: 5))
        }
        return CrossRateUpdate(base: "ETH", quote: "BTC", time: time, index: index, rate: 0, surface: quotes)
    }

    @Test("implied at the tenor where a cross rate is quoted (the core's ImpliedCorrelation, bit for bit), the fallback elsewhere; a stale cross falls back with a note")
    func impliedWhereQuoted() throws {
        let (core, t) = try Self.engine()
        let event = try #require(core.pendingCorrelationUpdate())
        guard case .correlations(let table, let provenance?) = event else { Issue.record("\(event)"); return }
        let sources = Dictionary(uniqueKeysWithValues: provenance.pairs.map { ($0.pair.description, $0.source) })
        #expect(sources == ["BTC/ETH": .implied, "BTC/SOL": .fallback, "ETH/SOL": .fallback])
        let clock = try #require(core.state.correlationMonitor.clock)
        let legs = core.state.markets.filter { $0.key != "SOL" }
        let cross = try #require(core.state.crossRates[UnderlyingPair("BTC", "ETH")])
        let expected = try ImpliedCorrelation(snapshot: MarketSnapshot(valuationTime: clock, underlyings: legs,
                                                                       crossRates: [cross]), tenorYears: 30.0 / 365)
        let implied = try #require(expected.pairs.first?.implied)
        #expect(provenance.pairs[0].sourced.bitPattern == implied.bitPattern)
        #expect(table.rho("BTC", "ETH") == implied, "a positive definite matrix is kept bit for bit")
        #expect(table.rho("BTC", "SOL") == 0.5 && table.rho("ETH", "SOL") == 0.6)
        #expect(!provenance.repaired && provenance.pairs.allSatisfy { !$0.repaired })
        try core.submit(event)
        #expect(core.state.correlationProvenance == provenance)
        #expect(core.pendingCorrelationUpdate() == nil, "nothing moved")
        // The state with cross rates, policy, estimators and provenance round-trips through its snapshot JSON.
        #expect(try EngineState(payload: core.state.payload) == core.state)
        // Two hours later the cross is stale: BTC/ETH is no longer implied, and the provenance says why.
        for k in 1...120 {
            let time = t.adding(seconds: Int64(60 * k))
            let (btc, eth) = (100_000 * (1 + 0.001 * Double(k % 7)), 3_500 * (1 + 0.001 * Double(k % 5)))
            try core.submit(.market(MarketUpdate(underlying: "BTC", time: time, index: btc)))
            try core.submit(.market(MarketUpdate(underlying: "ETH", time: time, index: eth)))
        }
        let later = try #require(core.state.correlationDecision())
        let btcEth = try #require(later.provenance.pairs.first)
        #expect(btcEth.source != .implied)
        #expect(btcEth.note?.contains("older than 3600") == true, "\(btcEth.note ?? "no note")")
    }

    @Test("cross rates are validated before the journal: legs with a market and a surface, time never back, vols consistent with the legs'")
    func crossRateRejections() throws {
        let (core, t) = try Self.engine()
        let journal = try core.store.allRecords(after: 0)
        let btc = try #require(core.state.markets["BTC"])
        func rejected(_ c: CrossRateUpdate, field: String, reason: String) {
            do {
                try core.submit(.crossRate(c))
                Issue.record("accepted \(c)")
            } catch {
                guard case .invalid(let f, let r) = error else { Issue.record("unexpected \(error)"); return }
                #expect(f == field)
                #expect(r.contains(reason), "\(r)")
            }
            #expect((try? core.store.allRecords(after: 0)) == journal)
        }
        let good = Self.cross(index: 0.035, time: t, vol: 0.45)
        var c = good
        c.base = "DOGE"
        rejected(c, field: "base", reason: "no market for \"DOGE\"")
        c = good
        c.quote = "SOL"
        rejected(c, field: "quote", reason: "SOL has no vol surface")
        c = good
        c.quote = "ETH"
        rejected(c, field: "quote", reason: "must differ from base")
        c = good
        c.surface = []
        rejected(c, field: "volSurface", reason: "required")
        c = good
        c.time = btc.time.adding(seconds: -3_600)
        rejected(c, field: "time", reason: "before the cross's current valuation time")
        rejected(Self.cross(index: 0.035, time: t, vol: 3.0), field: "volSurface", reason: "outside [-1, 1]")
    }

    @Test("the table in force stays positive definite under random inputs: random (even inconsistent) fallback tables mixed with realized estimates are repaired and accepted")
    func positiveDefiniteUnderRandomInputs() throws {
        var repaired = 0
        for seed in UInt64(1)...30 {
            var rng = SplitMix64(seed: seed)
            let core = try EngineCore(store: InMemoryJournal(), genesis: F.genesis(accounts: 4, positions: 2))
            let t0 = try #require(core.state.markets["BTC"]?.time)
            let names = ["BTC", "ETH", "SOL", "XRP"]
            try core.submit(.market(MarketUpdate(underlying: "SOL", time: t0, index: 150)))
            try core.submit(.market(MarketUpdate(underlying: "XRP", time: t0, index: 2.5)))
            var fallback = CorrelationTable()
            for i in 0..<4 {
                for j in (i + 1)..<4 { fallback.set(names[i], names[j], rho: 2 * rng.unit() - 1) }
            }
            var policy = D.policy(fallback: fallback)
            policy.warmUpSamples = 2
            try core.submit(.correlationPolicy(policy))
            var index = [100_000.0, 3_500, 150, 2.5]
            for k in 0..<Int(rng.next() % 12) {
                for u in 0..<4 where rng.unit() < 0.6 {
                    index[u] *= Foundation.exp(0.01 * rng.gaussian())
                    let time = t0.adding(seconds: Int64(60 * k + u))
                    try core.submit(.market(MarketUpdate(underlying: names[u], time: time, index: index[u])))
                }
            }
            try core.submit(.market(MarketUpdate(underlying: "BTC", time: t0.adding(seconds: 3_600), index: index[0])))
            let event = try #require(core.pendingCorrelationUpdate(), "seed \(seed)")
            guard case .correlations(let table, let provenance?) = event else { Issue.record("\(event)"); continue }
            _ = try CorrelationModel(names: names, table: table)
            for (a, b, rho) in table.pairs { #expect(abs(rho) <= 0.99, "seed \(seed) \(a)/\(b)") }
            try core.submit(event)
            #expect(core.state.correlations == table)
            if provenance.repaired { repaired += 1 }
            #expect(provenance.repaired == provenance.pairs.contains { $0.repaired && abs($0.sourced) <= 0.99 }
                    || provenance.pairs.contains { abs($0.sourced) > 0.99 })
        }
        #expect(repaired > 0, "some random tables needed the nearest-correlation repair")
    }

    @Test("the new events round-trip through their canonical JSON; a policy out of range is rejected naming the field and never journaled")
    func eventsJSONAndValidation() throws {
        let (core, t) = try Self.engine()
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
        let journal = try core.store.allRecords(after: 0)
        var bad = D.policy()
        bad.halfLifeSeconds = -1
        #expect(throws: EngineError.invalid(field: "correlationPolicy.halfLifeSeconds",
                                            reason: "must be a number of seconds in (0, 3.2e10], got -1.0")) {
            try core.submit(.correlationPolicy(bad))
        }
        bad = D.policy()
        bad.fallback = CorrelationTableTests.table([("BTC", "ETH", 1.5)])
        #expect(throws: EngineError.self) { try core.submit(.correlationPolicy(bad)) }
        #expect(try core.store.allRecords(after: 0) == journal)
        // A disabled policy proposes nothing; re-enabling restarts the estimators (warm-up again).
        var off = D.policy()
        off.enabled = false
        try core.submit(.correlationPolicy(off))
        #expect(core.pendingCorrelationUpdate() == nil)
        #expect(core.state.correlationMonitor == CorrelationMonitor())
    }
}
