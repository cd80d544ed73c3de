import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// `correlated` mode on the engine's direct path (cached per-(account, underlying) price-loss curves combined
/// through the core's ``CorrelatedGrid``), against ``MarginCalculator`` on the same portfolios, markets and table.
@Suite struct CorrelatedEngineTests {
    typealias F = EngineFixtures

    static var correlatedParameters: RiskParameters {
        var p = RiskParameters.reference
        p.correlationMode = .correlated
        return p
    }

    /// The simulated market with `count` underlyings (BTC, ETH, then SOL and XRP modelled on ETH).
    static func market(seed: UInt64, underlyings count: Int) -> SimulatedMarket {
        var market = SimulatedMarket(seed: seed)
        let extra: [(String, Double)] = [("SOL", 150), ("XRP", 2.5)]
        for (name, index) in extra.prefix(max(0, count - 2)) {
            var u = market.underlyings[1]
            u.name = name
            u.index = index
            market.underlyings.append(u)
        }
        market.underlyings = Array(market.underlyings.prefix(count))
        return market
    }

    /// A random positive definite table over `names`: a Gram matrix of random unit vectors, shrunk by 0.95
    /// towards the identity (so no ρ reaches the model's ±0.99 clamp).
    static func randomTable(_ names: [String], rng: inout SplitMix64) -> CorrelationTable {
        let n = names.count
        let vectors = (0..<n).map { _ -> [Double] in
            let v = (0..<n).map { _ in rng.gaussian() }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        var table = CorrelationTable()
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                let dot = zip(vectors[i], vectors[j]).reduce(0) { $0 + $1.0 * $1.1 }
                table.set(names[i], names[j], rho: 0.95 * dot)
            }
        }
        return table
    }

    /// A random population in correlated mode, with coin balances (some exactly zero: a balance entry that the
    /// core still enumerates) and some accounts holding one underlying only.
    static func genesis(seed: UInt64, underlyings: Int, accounts: Int) -> (EngineState, SimulatedMarket) {
        let market = market(seed: seed, underlyings: underlyings)
        var state = Population.genesis(market: market, optionsPerUnderlying: 12, accounts: accounts,
                                       positionsPerAccount: 2 + Int(seed % 5), seed: seed &* 31 &+ 5,
                                       parameters: correlatedParameters)
        var rng = SplitMix64(seed: seed ^ 0x5eed)
        let names = market.underlyings.map(\.name)
        for name in state.accounts.keys.sorted() {
            let x = rng.unit()
            if x < 0.3 {
                let coin = names[Int(rng.next() % UInt64(names.count))]
                let amount = rng.unit() < 0.3 ? Decimal(0) : Decimal(Int(rng.next() % 400) - 100) / 100
                state.accounts[name]?.balances[coin] = amount
            } else if x < 0.4 {
                // One underlying only: drop the others' positions.
                let keep = names[Int(rng.next() % UInt64(names.count))]
                let instruments = state.instruments
                let kept = (state.accounts[name]?.positions ?? [:]).filter { instruments[$0.key]?.underlying == keep }
                state.accounts[name]?.positions = kept
            }
        }
        return (state, market)
    }

    /// Every account's MM and IM equal the core's bit for bit (equity to 1e-9: its summation order is the
    /// engine's), and so does health unless equity sits within rounding of a threshold.
    /// - Returns: how many accounts the core margined over more than three underlyings (the ranked path).
    @discardableResult
    static func expectCoreMargins(_ engine: RiskEngine, _ context: String) async throws -> Int {
        let state = await engine.state
        let margins = await engine.margins
        let calculator = MarginCalculator(parameters: state.parameters)
        let market = state.marketSnapshot()
        var compared = 0
        var ranked = 0
        for name in state.accounts.keys.sorted() {
            let portfolio = try #require(state.portfolio(of: name))
            let report = try calculator.margin(of: portfolio, market: market, explain: false)
            let m = try #require(margins[name])
            #expect(m.maintenanceMargin.bitPattern == report.requirement.maintenanceMargin.bitPattern,
                    "\(context) \(name) MM \(m.maintenanceMargin) vs \(report.requirement.maintenanceMargin)")
            #expect(m.initialMargin.bitPattern == report.requirement.initialMargin.bitPattern, "\(context) \(name) IM")
            #expect(abs(m.equity - report.equity) <= 1e-9 * max(1, abs(report.equity)), "\(context) \(name) equity")
            compared += 1
            if report.requirement.underlyings.count > 3 { ranked += 1 }
        }
        #expect(compared == state.accounts.count)
        return ranked
    }

    @Test("correlated margins equal MarginCalculator's bit for bit on random populations (2–4 underlyings, random tables, coin balances), after ticks, fills, deposits and table changes")
    func matchesCoreBitForBit() async throws {
        var ranked = 0
        for seed in UInt64(1)...6 {
            let underlyings = [2, 3, 4, 2, 3, 4][Int(seed - 1)]
            let (genesis, simulated) = Self.genesis(seed: seed, underlyings: underlyings, accounts: 24)
            var market = simulated
            var rng = SplitMix64(seed: seed &+ 100)
            let store = InMemoryJournal()
            let engine = try await RiskEngine.open(store: store, genesis: genesis)
            let names = market.underlyings.map(\.name)
            try await Self.expectCoreMargins(engine, "seed \(seed) ρ = 0")
            try await engine.submit(.correlations(Self.randomTable(names, rng: &rng)))
            // Accounts with no underlying (cash only), a coin only, and a zero coin balance entry (still enumerated).
            try await engine.submit(.deposit(Transfer(account: "x-cash", currency: "USD", amount: 100)))
            try await engine.submit(.deposit(Transfer(account: "x-coin", currency: "ETH", amount: 2)))
            try await engine.submit(.deposit(Transfer(account: "x-zero", currency: "USD", amount: 100)))
            try await engine.submit(.deposit(Transfer(account: "x-zero", currency: "BTC", amount: 1)))
            try await engine.submit(.withdrawal(Transfer(account: "x-zero", currency: "BTC", amount: 1)))
            #expect(await engine.state.accounts["x-zero"]?.balances["BTC"] == 0)
            ranked += try await Self.expectCoreMargins(engine, "seed \(seed) table")
            for k in 0..<4 {
                let i = k % names.count
                try await engine.submit(.market(market.step(i, seconds: 20, withSurface: k == 2)))
                try await Self.expectCoreMargins(engine, "seed \(seed) tick \(k) of \(names[i])")
            }
            // Both underlyings in one pass, then ledger changes (fills go through the hypothetical margin).
            _ = try await engine.submitMarkets([market.step(0, seconds: 5), market.step(1, seconds: 0)])
            let instruments = await engine.state.instruments
            let ids = instruments.keys.sorted()
            for name in await engine.state.accounts.keys.sorted().prefix(8) {
                try await engine.submit(.deposit(Transfer(account: name, currency: "USD", amount: 1_000_000)))
                let id = ids[Int(rng.next() % UInt64(ids.count))]
                let price: Decimal = instruments[id]?.option != nil ? 10 : 3_000
                _ = try? await engine.submit(F.trade(account: name, instrument: id, quantity: 1, price: price,
                                                             counterparty: "lp-0"))
            }
            try await Self.expectCoreMargins(engine, "seed \(seed) after fills")
            try await engine.submit(.correlations(Self.randomTable(names, rng: &rng)))
            try await Self.expectCoreMargins(engine, "seed \(seed) second table")
            #expect(await engine.verifyAggregation().mismatches == 0)
            // A rebuild (recovery) gives the same bits as the incremental path.
            let recovered = try await RiskEngine.open(store: store)
            #expect(await recovered.marginDigest == engine.marginDigest)
        }
        #expect(ranked > 0, "some accounts hold four underlyings (three enumerated, one at its scan)")
    }

    @Test("a hypothetical margin equals the margin the account has once the change is applied (correlated)")
    func hypotheticalEqualsApplied() async throws {
        let (genesis, _) = Self.genesis(seed: 9, underlyings: 3, accounts: 12)
        let engine = try await RiskEngine.open(store: InMemoryJournal(), genesis: genesis)
        var rng = SplitMix64(seed: 77)
        try await engine.submit(.correlations(Self.randomTable(["BTC", "ETH", "SOL"], rng: &rng)))
        for name in await engine.state.accounts.keys.sorted() {
            var account = try #require(await engine.state.accounts[name])
            account.balances["SOL", default: 0] += 1
            let expected = await engine.hypotheticalMargin(account)
            try await engine.submit(.deposit(Transfer(account: name, currency: "SOL", amount: 1)))
            let m = try #require(await engine.margin(of: name))
            #expect(m.maintenanceMargin.bitPattern == expected.maintenanceMargin.bitPattern, "\(name)")
            #expect(m.equity.bitPattern == expected.equity.bitPattern, "\(name)")
        }
        try await Self.expectCoreMargins(engine, "after SOL deposits")
    }

    @Test("a tick of one underlying recomputes only that underlying's cached curves")
    func tickTouchesOnlyItsCurves() async throws {
        let (genesis, simulated) = Self.genesis(seed: 3, underlyings: 2, accounts: 30)
        var market = simulated
        let engine = try await RiskEngine.open(store: InMemoryJournal(), genesis: genesis)
        let before = await engine.curveCache
        #expect(before.stride == MarginCalculator().scenarios.priceMoves.count)
        let btc = try #require(before.underlyingNames.firstIndex(of: "BTC"))
        try await engine.submit(.market(market.step(0, seconds: 30)))
        let after = await engine.curveCache
        #expect(after.underlyingNames == before.underlyingNames && after.accountCount == before.accountCount)
        var btcChanged = 0
        for a in 0..<before.accountCount {
            for u in before.underlyingNames.indices {
                let same = zip(before.curve(account: a, underlying: u), after.curve(account: a, underlying: u))
                    .allSatisfy { $0.bitPattern == $1.bitPattern }
                if u == btc {
                    if !same { btcChanged += 1 }
                } else {
                    #expect(same, "account \(a) underlying \(before.underlyingNames[u]) curve changed on a BTC tick")
                }
            }
        }
        #expect(btcChanged > 0)
        #expect(await engine.verifyAggregation().mismatches == 0)
    }

    @Test("sum mode keeps no curves and its margins are unchanged by the correlated path")
    func sumModeKeepsNoCurves() async throws {
        let engine = try await RiskEngine.open(store: InMemoryJournal(), genesis: EngineFixtures.genesis())
        let sum = await engine.curveCache
        #expect(sum.values.isEmpty && sum.stride == 0)
        let digest = await engine.marginDigest
        try await engine.submit(.parameters(Self.correlatedParameters))
        let correlated = await engine.curveCache
        #expect(correlated.values.count == correlated.accountCount * correlated.underlyingNames.count * 21)
        try await engine.submit(.parameters(.reference))
        #expect(await engine.marginDigest == digest)
    }
}
