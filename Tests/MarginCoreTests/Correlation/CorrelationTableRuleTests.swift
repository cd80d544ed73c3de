import MarginCore
import Testing

@Suite struct CorrelationTableRuleTests {
    static let t0 = Instant(iso8601: "2026-01-05T00:00:00Z")!

    private static func table(_ pairs: [(String, String, Double)]) -> CorrelationTable {
        var t = CorrelationTable()
        for (a, b, r) in pairs { t.set(a, b, rho: r) }
        return t
    }

    /// The change detector: the first table is emitted; later ones only when some |Δρ| is strictly above the
    /// threshold (0.0625, exact in binary like every ρ here) and at least the interval (600 s of market time) has
    /// passed since the last emission.
    @Test func changeDetectorThresholdAndInterval() {
        var d = CorrelationTableChangeDetector(threshold: 0.0625, minimumIntervalSeconds: 600)
        let base = CorrelationTableRuleTests.table([("BTC", "ETH", 0.5)])
        let t0 = CorrelationTableRuleTests.t0
        #expect(d.offer(base, at: t0) == base)
        // A big move too soon: suppressed.
        let big = CorrelationTableRuleTests.table([("BTC", "ETH", 0.25)])
        #expect(d.offer(big, at: t0.adding(seconds: 599)) == nil)
        // A small move (|Δρ| = 0.0625, not above the threshold) after the interval: suppressed.
        let small = CorrelationTableRuleTests.table([("BTC", "ETH", 0.4375)])
        #expect(d.offer(small, at: t0.adding(seconds: 700)) == nil)
        // The big move once the interval has passed (exactly 600 s counts): emitted, and becomes the reference.
        #expect(d.offer(big, at: t0.adding(seconds: 600)) == big)
        #expect(d.current == big && d.emittedAt == t0.adding(seconds: 600))
        // A new pair counts from ρ = 0.
        let added = CorrelationTableRuleTests.table([("BTC", "ETH", 0.25), ("BTC", "SOL", 0.125)])
        #expect(CorrelationTableChangeDetector.largestChange(big, added) == 0.125)
        #expect(d.offer(added, at: t0.adding(seconds: 1_199)) == nil)
        #expect(d.offer(added, at: t0.adding(seconds: 1_200)) == added)
        // Market time going backwards emits nothing.
        #expect(d.offer(base, at: t0) == nil)
    }

    /// Implied where a cross is quoted, realized otherwise, the configured table as the last resort; a consistent
    /// result is kept as sourced, and the table passes CorrelationModel.
    @Test func ruleChoosesImpliedThenRealizedThenFallback() throws {
        var market = try MarketSnapshot(jsonText: crossMarketJSON())
        market.underlyings["SOL"] = UnderlyingMarket(name: "SOL", index: 150, valuationTime: market.valuationTime)
        market.underlyings["XRP"] = UnderlyingMarket(name: "XRP", index: 2, valuationTime: market.valuationTime)
        market.correlations = CorrelationTableRuleTests.table([("BTC", "ETH", 0.1), ("SOL", "XRP", 0.2)])
        let realized = RealizedCorrelation(names: ["BTC", "ETH", "SOL"],
                                           matrix: [1, 0.3, 0.4, 0.3, 1, 0.5, 0.4, 0.5, 1], samples: 500,
                                           asOf: CorrelationTableRuleTests.t0)
        let rule = CorrelationTableRule(impliedTenorYears: 85.0 / 365)
        let decision = try rule.decide(snapshot: market, realized: realized)
        #expect(decision.names == ["BTC", "ETH", "SOL", "XRP"])
        #expect(decision.sources["BTC/ETH"] == .implied)
        #expect(decision.sources["BTC/SOL"] == .realized && decision.sources["ETH/SOL"] == .realized)
        #expect(decision.sources["SOL/XRP"] == .fallback && decision.sources["BTC/XRP"] == .fallback)
        #expect(abs(decision.table.rho("BTC", "ETH") - 0.7707968) < 1e-6)
        #expect(decision.table.rho("BTC", "SOL") == 0.4)
        #expect(decision.table.rho("SOL", "XRP") == 0.2)
        #expect(decision.table.rho("ETH", "XRP") == 0)
        #expect(!decision.repaired)
        #expect((try? CorrelationModel(names: decision.names, table: decision.table)) != nil)
    }

    /// Mixed sources that are not positive definite together (implied 0.77, realized −0.9 and 0.9) are repaired
    /// to the nearest correlation matrix, bounded by 0.99, and accepted by CorrelationModel.
    @Test func ruleRepairsAnInconsistentMix() throws {
        var market = try MarketSnapshot(jsonText: crossMarketJSON())
        market.underlyings["SOL"] = UnderlyingMarket(name: "SOL", index: 150, valuationTime: market.valuationTime)
        let realized = RealizedCorrelation(names: ["BTC", "ETH", "SOL"],
                                           matrix: [1, 0, -0.9, 0, 1, 0.9, -0.9, 0.9, 1], samples: 500,
                                           asOf: CorrelationTableRuleTests.t0)
        let decision = try CorrelationTableRule(impliedTenorYears: 85.0 / 365).decide(snapshot: market,
                                                                                       realized: realized)
        #expect(decision.repaired)
        let model = try CorrelationModel(names: decision.names, table: decision.table)
        #expect(model.matrix.allSatisfy { abs($0) <= 1 })
        let e = try SymmetricEigenDecomposition(model.matrix, dimension: 3)
        #expect(e.values[0] > 0.5e-4)
        // An inconsistent cross surface is an error, not a silent fallback.
        let bad = try MarketSnapshot(jsonText: crossMarketJSON(crossVolT1: 1.2))
        #expect(throws: InputError.self) {
            try CorrelationTableRule(impliedTenorYears: 29.0 / 365).decide(snapshot: bad, realized: nil)
        }
    }
}
