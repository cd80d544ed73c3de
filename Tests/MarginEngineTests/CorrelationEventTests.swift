import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// The `correlations` event: the engine's correlation table between underlyings, used by `correlated` mode.
@Suite struct CorrelationEventTests {
    typealias F = EngineFixtures

    static func table(_ pairs: [(String, String, Double)]) -> CorrelationTable {
        var t = CorrelationTable()
        for (a, b, rho) in pairs { t.set(a, b, rho: rho) }
        return t
    }

    static var correlatedParameters: RiskParameters {
        var p = RiskParameters.reference
        p.correlationMode = .correlated
        return p
    }

    /// The core's margin of every account of `core`, on the engine's markets and `correlations`.
    static func coreMargins(_ core: RiskEngine, correlations: CorrelationTable) async throws -> [String: MarginReport] {
        let state = await core.state
        let calculator = MarginCalculator(parameters: state.parameters)
        var market = state.marketSnapshot()
        market.correlations = correlations
        var out: [String: MarginReport] = [:]
        for name in state.accounts.keys {
            out[name] = try calculator.margin(of: try #require(state.portfolio(of: name)), market: market, explain: false)
        }
        return out
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }

    /// An engine with the simulated markets and listings, correlated mode, an ATM BTC call and an ATM ETH put
    /// listed, and account `pair` long the call and long the puts: long BTC, short ETH.
    static func pairEngine(store: InMemoryJournal = InMemoryJournal()) async throws -> RiskEngine {
        let core = try await F.emptyEngine(store: store)
        try await core.submit(.parameters(correlatedParameters))
        let expiry = F.market.expiries[1]
        try await core.submit(.listing(Listing(id: "BTC-ATM-C", instrument: Instrument(
            underlying: "BTC", kind: .option(OptionContract(expiry: expiry, strike: 100_000, right: .call)),
            settlement: .linear))))
        try await core.submit(.listing(Listing(id: "ETH-ATM-P", instrument: Instrument(
            underlying: "ETH", kind: .option(OptionContract(expiry: expiry, strike: 3_500, right: .put)),
            settlement: .linear))))
        try await core.submit(.deposit(Transfer(account: "pair", currency: "USD", amount: 1_000_000)))
        try await core.submit(F.trade(account: "pair", instrument: "BTC-ATM-C", quantity: 1, price: 6_000))
        try await core.submit(F.trade(account: "pair", instrument: "ETH-ATM-P", quantity: 28, price: 250))
        return core
    }

    @Test("correlated mode: every margin equals the core calculator's with the same table (1e-9 relative)")
    func matchesCoreWithTable() async throws {
        let core = try await F.engine()
        try await core.submit(.parameters(Self.correlatedParameters))
        let uncorrelated = await core.margins
        let table = Self.table([("BTC", "ETH", 0.8)])
        try await core.submit(.correlations(table))
        #expect(await core.state.correlations == table)
        let reports = try await Self.coreMargins(core, correlations: table)
        var changed = 0
        for (name, report) in reports {
            let m = try #require(await core.margin(of: name))
            #expect(Self.close(m.maintenanceMargin, report.requirement.maintenanceMargin), "\(name) MM")
            #expect(Self.close(m.initialMargin, report.requirement.initialMargin), "\(name) IM")
            #expect(Self.close(m.equity, report.equity), "\(name) equity")
            #expect(m.health == report.health, "\(name) health")
            if m.maintenanceMargin != uncorrelated[name]?.maintenanceMargin { changed += 1 }
        }
        #expect(changed > 0, "ρ = 0.8 changes some account's margin")
        // A market move re-margins through the same table.
        var market = F.market
        try await core.submit(.market(market.step(0, seconds: 60, withSurface: true)))
        for (name, report) in try await Self.coreMargins(core, correlations: table) {
            let m = try #require(await core.margin(of: name))
            #expect(Self.close(m.maintenanceMargin, report.requirement.maintenanceMargin), "\(name) MM after a move")
        }
        #expect(await core.verifyAggregation().mismatches == 0)
    }

    @Test("a long-BTC / short-ETH pair's margin falls as ρ(BTC, ETH) rises, and equals the core's at each ρ")
    func pairMarginFallsWithRho() async throws {
        let core = try await Self.pairEngine()
        var mms: [Double] = []
        for rho in [-0.5, 0.0, 0.5, 0.9] {
            let table = Self.table([("BTC", "ETH", rho)])
            try await core.submit(.correlations(table))
            let m = try #require(await core.margin(of: "pair"))
            let report = try #require(try await Self.coreMargins(core, correlations: table)["pair"])
            #expect(Self.close(m.maintenanceMargin, report.requirement.maintenanceMargin), "ρ = \(rho)")
            mms.append(m.maintenanceMargin)
        }
        for k in 1..<mms.count { #expect(mms[k] < mms[k - 1], "MM by ρ: \(mms)") }
        // An engine that never got a table has ρ = 0.
        let plain = try await Self.pairEngine()
        #expect(await plain.margin(of: "pair")?.maintenanceMargin == mms[1])
    }

    @Test("a table change in sum mode changes no margin; switching to correlated then uses it (same as live)")
    func sumModeKeepsTable() async throws {
        let table = Self.table([("BTC", "ETH", 0.8)])
        let a = try await F.engine()
        let before = await a.marginDigest
        try await a.submit(.correlations(table))
        #expect(await a.marginDigest == before)
        try await a.submit(.parameters(Self.correlatedParameters))
        let b = try await F.engine()
        try await b.submit(.parameters(Self.correlatedParameters))
        try await b.submit(.correlations(table))
        // Rebuild (parameters after the table) and recombination (table after the parameters) agree bit for bit.
        #expect(await a.marginDigest == b.marginDigest)
        #expect(await a.state.correlations == b.state.correlations)
    }

    @Test("invalid tables are rejected with the field named; state, journal and margins unchanged")
    func rejections() async throws {
        let store = InMemoryJournal()
        let core = try await Self.pairEngine(store: store)
        let btcTime = await core.state.markets["BTC"]!.time
        try await core.submit(.market(MarketUpdate(underlying: "SOL", time: btcTime, index: 150)))
        try await core.submit(.correlations(Self.table([("BTC", "ETH", 0.5)])))
        let state = await core.state
        let journal = try await store.allRecords(after: 0)
        let digest = await core.digest
        func rejected(_ table: CorrelationTable, field: String, reason: String) async {
            do {
                try await core.submit(.correlations(table))
                Issue.record("accepted \(table.pairs)")
            } catch {
                guard case .invalid(let f, let r) = error else { Issue.record("unexpected \(error)"); return }
                #expect(f == field)
                #expect(r.contains(reason), "\(r)")
            }
            #expect(await core.state == state)
            #expect((try? await store.allRecords(after: 0)) == journal)
            #expect(await core.digest == digest)
        }
        await rejected(Self.table([("BTC", "ETH", 1.5)]), field: "correlations[BTC/ETH].rho", reason: "[-1, 1]")
        await rejected(Self.table([("BTC", "ETH", -1.0000001)]), field: "correlations[BTC/ETH].rho", reason: "[-1, 1]")
        await rejected(Self.table([("BTC", "ETH", .nan)]), field: "correlations[BTC/ETH].rho", reason: "finite")
        await rejected(Self.table([("BTC", "ETH", .infinity)]), field: "correlations[BTC/ETH].rho", reason: "finite")
        await rejected(Self.table([("BTC", "BTC", 1)]), field: "correlations[BTC/BTC]", reason: "itself")
        await rejected(Self.table([("BTC", "DOGE", 0.5)]), field: "correlations[BTC/DOGE]", reason: "no market for \"DOGE\"")
        // Every pair is a valid correlation, but no three assets move like this: not positive definite.
        let nonPD = Self.table([("BTC", "ETH", 0.9), ("BTC", "SOL", 0.9), ("ETH", "SOL", -0.9)])
        await rejected(nonPD, field: "correlations[BTC/SOL]", reason: "not positive definite (fails at pair BTC/SOL)")
        // The core rejects the same matrix naming the same pair.
        #expect(throws: InputError.invalid(path: "$.correlations[BTC/SOL]", reason:
            "the correlation matrix is not positive definite (fails at pair BTC/SOL)")) {
            _ = try CorrelationModel(names: ["BTC", "ETH", "SOL"], table: nonPD)
        }
        // A valid 3-underlying table passes; ρ = ±1 is accepted (clamped to ±0.99 by the model, as in the core).
        try await core.submit(.correlations(Self.table([("BTC", "ETH", 0.8), ("BTC", "SOL", 0.6), ("ETH", "SOL", 0.5)])))
        try await core.submit(.correlations(Self.table([("BTC", "ETH", 1)])))
        #expect(await core.state.correlations.rho("ETH", "BTC") == 1)
        // The empty table resets every pair to ρ = 0.
        try await core.submit(.correlations(CorrelationTable()))
        #expect(await core.state.correlations == CorrelationTable())
    }

    @Test("recovery from snapshot + journal, and from genesis, gives the same digest with correlations")
    func recoveryDigest() async throws {
        let store = InMemoryJournal()
        var market = F.market
        let digest: String
        let correlations: CorrelationTable
        do {
            let core = try await F.engine(store: store)
            try await core.submit(.parameters(Self.correlatedParameters))
            try await core.submit(.correlations(Self.table([("BTC", "ETH", 0.8)])))
            for k in 0..<12 {
                _ = try? await core.submit(.market(market.step(k % 2, seconds: 60, withSurface: k % 5 == 0)))
                if k == 5 {
                    try await core.writeSnapshot()
                    try await core.submit(.correlations(Self.table([("BTC", "ETH", -0.3)])))
                }
                try await core.submit(.deposit(Transfer(account: "acct-0\(k % 10)", currency: "USD", amount: 10)))
            }
            digest = await core.digest
            correlations = await core.state.correlations
        }
        #expect(correlations.rho("BTC", "ETH") == -0.3)
        let engines = try await Self.recovered(store, genesis: F.genesis())
        for engine in engines {
            #expect(await engine.digest == digest)
            #expect(await engine.state.correlations == correlations)
        }
    }

    /// The engine recovered from `store` (latest snapshot + journal after it), and replayed from `genesis` through
    /// every record after it (ignoring later snapshots).
    static func recovered(_ store: InMemoryJournal, genesis: EngineState) async throws -> [RiskEngine] {
        let replay = InMemoryJournal()
        try replay.append(try await store.allRecords(after: genesis.sequence))
        return [try await RiskEngine.open(store: store), try await RiskEngine.open(store: replay, genesis: genesis)]
    }

    @Test("the event and the state round-trip through their canonical JSON")
    func json() throws {
        let event = EngineEvent.correlations(Self.table([("ETH", "BTC", 0.8), ("BTC", "SOL", -0.25)]))
        #expect(event.payload
            == #"{"correlations":[{"pair":["BTC", "ETH"],"rho":0.8},{"pair":["BTC", "SOL"],"rho":-0.25}],"type":"correlations"}"#)
        let decoded = try EngineEvent(payload: event.payload)
        #expect(decoded == event)
        #expect(decoded.payload == event.payload)
        #expect(try EngineEvent(payload: #"{"correlations":[],"type":"correlations"}"#) == .correlations(CorrelationTable()))
        // Shape errors name the path.
        for bad in [#"{"correlations":[{"pair":["BTC"],"rho":0.5}],"type":"correlations"}"#,
                    #"{"correlations":[{"pair":["BTC","ETH"],"rho":0.5},{"pair":["ETH","BTC"],"rho":0.1}],"type":"correlations"}"#,
                    #"{"correlations":[{"pair":["BTC","ETH"],"rho":"x"}],"type":"correlations"}"#,
                    #"{"type":"correlations"}"#] {
            do {
                _ = try EngineEvent(payload: bad)
                Issue.record("decoded \(bad)")
            } catch {
                #expect("\(error)".contains("correlations"), "\(error)")
            }
        }
        var state = F.genesis()
        let plain = state.payload
        #expect(!plain.contains("correlations"), "a state without correlations keeps its payload")
        state.apply(event)
        let back = try EngineState(payload: state.payload)
        #expect(back == state)
        #expect(back.correlations.rho("BTC", "ETH") == 0.8)
    }
}
