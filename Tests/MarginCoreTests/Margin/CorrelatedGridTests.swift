import MarginCore
import Testing

/// SplitMix64 for the correlated-mode cases (self-contained so the cases never change with other test files).
private struct CaseRNG {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// The fast correlated mode (``CorrelatedGrid``: admissible moves computed once per matrix, an interval maximum per
/// run) against the exhaustive enumeration it replaced (`CorrelationModel.exhaustiveJointLoss`): the same maximum bit
/// for bit and the same worst joint move (the enumeration's lexicographic first maximum, `+stress` side first).
@Suite struct CorrelatedGridTests {
    static let names = ["AAA", "BBB", "CCC"]
    static let referenceGrid = RiskParameters.reference.priceMoves.map { $0 / RiskParameters.reference.priceRange }

    /// A random price-loss curve over `g` points, USD (positive = loss), of one of several shapes chosen to produce
    /// ties: continuous values, small integers (many equal sums), flat, all gains (joint loss 0), huge values that
    /// absorb the other curves in rounding (equal sums from different moves), signed zeros, and symmetric curves.
    private static func curve(_ rng: inout CaseRNG, _ g: Int) -> [Double] {
        switch rng.int(8) {
        case 0: return (0..<g).map { _ in rng.uniform(-1e6, 1e6) }
        case 1: return (0..<g).map { _ in Double(rng.int(5) - 2) }
        case 2:
            let c = Double(rng.int(7) - 3) * 1_000
            return [Double](repeating: c, count: g)
        case 3: return (0..<g).map { _ in -rng.uniform(1, 1e5) }
        case 4: return (0..<g).map { _ in 1e17 + Double(rng.int(3)) * 16 }
        case 5: return (0..<g).map { _ in rng.int(2) == 0 ? -0.0 : 0.0 }
        case 6:
            let half = (0..<g).map { _ in Double(rng.int(4)) * 250 }
            return (0..<g).map { i in half[min(i, g - 1 - i)] }
        default:
            // A linear position's curve: loss proportional to the move, either sign.
            let q = rng.uniform(-50, 50)
            return (0..<g).map { i in -q * (Double(i) - Double(g / 2)) }
        }
    }

    /// A random correlation model over `n` underlyings with every ρ uniform in [−0.99, 0.99] (or at ±0.99), resampled
    /// until the unstressed matrix is positive definite.
    private static func model(_ rng: inout CaseRNG, _ n: Int) -> (CorrelationModel, CorrelationTable) {
        while true {
            var table = CorrelationTable()
            for i in 0..<n {
                for j in (i + 1)..<max(i + 1, n) {
                    let rho = rng.int(10) == 0 ? (rng.int(2) == 0 ? 0.99 : -0.99) : rng.uniform(-0.99, 0.99)
                    table.set(names[i], names[j], rho: rho)
                }
            }
            if let m = try? CorrelationModel(names: Array(names.prefix(n)), table: table) { return (m, table) }
        }
    }

    /// Whether `model` stressed by `delta` is not positive definite (so the stress is bisected).
    private static func needsBisection(_ model: CorrelationModel, _ delta: Double) -> Bool {
        let n = model.names.count
        let m = model.stressed(by: delta)
        var table = CorrelationTable()
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) { table.set(model.names[i], model.names[j], rho: m[i * n + j]) }
        }
        return (try? CorrelationModel(names: model.names, table: table)) == nil
    }

    private static func expectSame(_ model: CorrelationModel, _ grid: CorrelatedGrid, _ curves: [[Double]],
                                   xs: [Double], stress: Double, _ label: String) {
        let fast = grid.jointLoss(lossCurves: curves)
        let reference = model.exhaustiveJointLoss(lossCurves: curves, xs: xs, stress: stress)
        #expect(fast.loss.bitPattern == reference.loss.bitPattern, "\(label): loss \(fast.loss) vs \(reference.loss)")
        #expect(fast.move == reference.move, "\(label): move \(fast.move) vs \(reference.move)")
    }

    /// 1,200 seeded cases (300 matrices × 4 curve sets; 2 and 3 underlyings, the reference 21-point grid and stress
    /// 0.1, some 11- and 7-point grids and other stresses): identical loss bits and worst move. At least 20 of the
    /// 3-underlying matrices need the stress bisected (checked), and some cases have ties and zero joint loss.
    @Test func matchesExhaustiveEnumerationOnRandomCases() {
        var rng = CaseRNG(state: 20_261_201)
        var cases = 0
        var bisected = 0
        var zeroLoss = 0
        for m in 0..<300 {
            let n = m % 3 == 0 ? 2 : 3
            let (model, _) = CorrelatedGridTests.model(&rng, n)
            let xs: [Double]
            let stress: Double
            switch rng.int(10) {
            case 0: xs = (0..<11).map { -1 + 0.2 * Double($0) }; stress = 0.1
            case 1: xs = (0..<7).map { -1 + Double($0) / 3 }; stress = 0.25
            case 2: xs = CorrelatedGridTests.referenceGrid; stress = 0.05
            default: xs = CorrelatedGridTests.referenceGrid; stress = 0.1
            }
            if n == 3 && (CorrelatedGridTests.needsBisection(model, stress)
                || CorrelatedGridTests.needsBisection(model, -stress)) { bisected += 1 }
            let grid = model.correlatedGrid(xs: xs, stress: stress)
            for k in 0..<4 {
                let curves = (0..<n).map { _ in CorrelatedGridTests.curve(&rng, xs.count) }
                CorrelatedGridTests.expectSame(model, grid, curves, xs: xs, stress: stress, "matrix \(m) set \(k)")
                if grid.jointLoss(lossCurves: curves).loss == 0 { zeroLoss += 1 }
                cases += 1
            }
        }
        #expect(cases >= 1_000)
        #expect(bisected >= 20, "only \(bisected) matrices needed the bisection")
        #expect(zeroLoss >= 10)
    }

    /// Near-singular matrices (ρ at the ±0.99 clamp, stresses that must be bisected close to singularity) on the
    /// reference grid, and one underlying: still identical.
    @Test func matchesExhaustiveEnumerationNearSingular() {
        var rng = CaseRNG(state: 99)
        let xs = CorrelatedGridTests.referenceGrid
        let tables: [(Double, Double, Double)] = [
            (0.99, 0.99, 0.99), (0.99, 0.98, 0.97), (0.99, -0.99, -0.99), (0.9, 0.9, 0.62),
            (-0.5, -0.5, -0.49), (0.99, 0.0, 0.0), (0.7, 0.7, -0.02),
        ]
        for (t, rhos) in tables.enumerated() {
            var table = CorrelationTable()
            table.set("AAA", "BBB", rho: rhos.0)
            table.set("AAA", "CCC", rho: rhos.1)
            table.set("BBB", "CCC", rho: rhos.2)
            guard let model = try? CorrelationModel(names: CorrelatedGridTests.names, table: table) else { continue }
            let grid = model.correlatedGrid(xs: xs, stress: 0.1)
            for k in 0..<6 {
                let curves = (0..<3).map { _ in CorrelatedGridTests.curve(&rng, xs.count) }
                CorrelatedGridTests.expectSame(model, grid, curves, xs: xs, stress: 0.1, "table \(t) set \(k)")
            }
        }
        let single = try? CorrelationModel(names: ["AAA"], table: CorrelationTable())
        if let single {
            let grid = single.correlatedGrid(xs: xs, stress: 0.1)
            for k in 0..<20 {
                CorrelatedGridTests.expectSame(single, grid, [CorrelatedGridTests.curve(&rng, xs.count)], xs: xs,
                                               stress: 0.1, "single \(k)")
            }
        }
        #expect(single != nil)
    }

    /// Non-finite curve values take the exhaustive enumeration itself, so even they agree.
    @Test func nonFiniteCurvesFallBackToTheEnumeration() throws {
        var table = CorrelationTable()
        table.set("AAA", "BBB", rho: 0.4)
        let model = try CorrelationModel(names: ["AAA", "BBB"], table: table)
        let xs = CorrelatedGridTests.referenceGrid
        let grid = model.correlatedGrid(xs: xs, stress: 0.1)
        var a = [Double](repeating: 1, count: xs.count)
        a[3] = .infinity
        var b = [Double](repeating: 2, count: xs.count)
        b[7] = .nan
        CorrelatedGridTests.expectSame(model, grid, [a, b], xs: xs, stress: 0.1, "inf/nan")
        CorrelatedGridTests.expectSame(model, grid, [b, b], xs: xs, stress: 0.1, "nan")
    }

    /// Through the calculator: random accounts over three underlyings in correlated mode have the joint loss and
    /// worst move of the exhaustive enumeration on their price-loss curves, and every account after the first reuses
    /// the one cached grid.
    @Test func calculatorMatchesExhaustiveEnumeration() throws {
        let market = try exampleMarket()
        var params = RiskParameters.reference
        params.correlationMode = .correlated
        let calc = MarginCalculator(parameters: params)
        let xs = params.priceMoves.map { $0 / params.priceRange }
        var rng = CaseRNG(state: 7)
        for seed in 0..<25 {
            var book = randomPortfolio(seed: seed, maxPositions: 5)
            let q = Double(rng.int(21) - 10)
            book.positions.append(future("SOL", t2, q == 0 ? 1 : q))
            let arrays = try calc.instrumentArrays(for: book, market: market)
            let ras = calc.riskArrays(for: book, market: market, arrays: arrays)
            let r = try calc.requirement(ras, correlations: market.correlations)
            let model = try CorrelationModel(names: ras.map(\.underlying), table: market.correlations)
            let e = model.exhaustiveJointLoss(lossCurves: ras.map(\.priceLossCurve), xs: xs,
                                              stress: params.correlationStress)
            #expect(r.joint?.bitPattern == e.loss.bitPattern, "seed \(seed)")
            var moves: [String: Int] = [:]
            for (k, ra) in ras.enumerated() { moves[ra.underlying] = e.move[k] }
            #expect(r.jointMove == moves, "seed \(seed)")
        }
        #expect(calc.correlatedGrids.count <= 3, "grids: \(calc.correlatedGrids.count)")
    }

    /// Past three underlyings the three largest scans (ties by name) are enumerated and the rest enter at their own
    /// scan: the calculator's joint equals that rule computed with the exhaustive enumeration.
    @Test func moreThanThreeUnderlyingsFollowTheRule() throws {
        let time = Instant(iso8601: "2026-01-01T00:00:00Z")!
        let expiry = Instant(iso8601: "2026-03-01T00:00:00Z")!
        let names = ["AAA", "BBB", "CCC", "DDD", "EEE"]
        var markets: [String: UnderlyingMarket] = [:]
        for (i, n) in names.enumerated() {
            markets[n] = UnderlyingMarket(name: n, index: 100 * Double(i + 1), valuationTime: time)
        }
        var table = CorrelationTable()
        table.set("AAA", "CCC", rho: 0.6)
        table.set("BBB", "DDD", rho: -0.4)
        table.set("CCC", "EEE", rho: 0.3)
        table.set("AAA", "EEE", rho: 0.5)
        let market = MarketSnapshot(valuationTime: time, underlyings: markets, correlations: table)
        var params = RiskParameters.reference
        params.correlationMode = .correlated
        let calc = MarginCalculator(parameters: params)
        let xs = params.priceMoves.map { $0 / params.priceRange }
        var rng = CaseRNG(state: 5)
        for k in 0..<8 {
            // Sizes chosen so that some scans tie (equal notional), exercising the tie by name.
            let positions = names.map { n in
                future(n, expiry, Double(rng.int(5) - 2) * 600 / (markets[n]?.index ?? 1) + (k % 2 == 0 ? 0 : 0.5))
            }
            let book = Portfolio(account: "five-\(k)", positions: positions)
            let arrays = try calc.instrumentArrays(for: book, market: market)
            let ras = calc.riskArrays(for: book, market: market, arrays: arrays)
            let r = try calc.requirement(ras, correlations: table)
            let ranked = ras.indices.sorted {
                ras[$0].scan != ras[$1].scan ? ras[$0].scan > ras[$1].scan : ras[$0].underlying < ras[$1].underlying
            }
            let top = Array(ranked.prefix(3)).sorted()
            let model = try CorrelationModel(names: top.map { ras[$0].underlying }, table: table)
            let e = model.exhaustiveJointLoss(lossCurves: top.map { ras[$0].priceLossCurve }, xs: xs,
                                              stress: params.correlationStress)
            var joint = e.loss
            for i in ranked.dropFirst(3) { joint += ras[i].scan }
            #expect(r.joint?.bitPattern == joint.bitPattern, "book \(k)")
            var moves: [String: Int] = [:]
            for (slot, i) in top.enumerated() { moves[ras[i].underlying] = e.move[slot] }
            #expect(r.jointMove == moves, "book \(k)")
        }
    }

    /// The cache is a pure speed-up: a calculator sharing a cache, one with its own, and the grid built directly
    /// give identical requirements; a non-positive-definite table still throws on every call and is not cached.
    @Test func cacheNeverChangesResults() throws {
        let market = try exampleMarket()
        var params = RiskParameters.reference
        params.correlationMode = .correlated
        let shared = CorrelatedGridCache(capacity: 2)
        let a = MarginCalculator(parameters: params, correlatedGrids: shared)
        let b = MarginCalculator(parameters: params)
        for seed in 0..<6 {
            let book = randomPortfolio(seed: 100 + seed)
            let ra = try a.margin(of: book, market: market, explain: false)
            let rb = try b.margin(of: book, market: market, explain: false)
            #expect(ra.requirement == rb.requirement)
        }
        #expect(shared.count <= 2)
        var bad = market
        var table = CorrelationTable()
        table.set("BTC", "ETH", rho: 0.95)
        table.set("BTC", "SOL", rho: 0.95)
        table.set("ETH", "SOL", rho: -0.95)
        bad.correlations = table
        let book = Portfolio(account: "x",
                             positions: [future("BTC", t2, 1), future("ETH", t2, 1), future("SOL", t2, 1)])
        let before = shared.count
        for _ in 0..<2 {
            #expect(throws: InputError.self) { try a.margin(of: book, market: bad, explain: false) }
        }
        #expect(shared.count == before)
    }
}
