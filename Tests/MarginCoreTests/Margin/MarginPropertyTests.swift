import MarginCore
import MarginTestSupport
import PropertyBased
import Testing

/// SplitMix64: a tiny deterministic generator for building random portfolios from a property's seed.
struct PortfolioRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random account over BTC and ETH: options of every kind, futures, perpetuals, balances.
func randomPortfolio(seed: Int, maxPositions: Int = 6) -> Portfolio {
    var rng = PortfolioRNG(state: UInt64(truncatingIfNeeded: seed))
    var positions: [Position] = []
    for _ in 0..<Int.random(in: 1...maxPositions, using: &rng) {
        let u = Bool.random(using: &rng) ? "BTC" : "ETH"
        let s = u == "BTC" ? 90_000.0 : 3_100.0
        let expiry = [t1, t2, t3][Int.random(in: 0...(u == "BTC" ? 2 : 1), using: &rng)]
        let settlement: Settlement = Bool.random(using: &rng) ? .linear : .inverse
        let q = Double(Int.random(in: -50...50, using: &rng)) / 10
        switch Int.random(in: 0..<4, using: &rng) {
        case 0, 1:
            let strike = (s * Double.random(in: 0.6...1.5, using: &rng)).rounded()
            positions.append(option(u, expiry, strike, Bool.random(using: &rng) ? .call : .put, q, settlement))
        case 2: positions.append(future(u, expiry, settlement == .inverse ? q * s : q, settlement))
        default: positions.append(future(u, nil, settlement == .inverse ? q * s : q, settlement))
        }
    }
    var balances: [String: Double] = ["USDC": Double(Int.random(in: 0...100_000, using: &rng))]
    if Bool.random(using: &rng) { balances["BTC"] = Double(Int.random(in: -2...5, using: &rng)) }
    return Portfolio(account: "random-\(seed)", balances: balances, positions: positions)
}

@Suite struct MarginPropertyTests {
    let calc = MarginCalculator()

    @Test func marginIsNeverNegative() async throws {
        let market = try exampleMarket()
        await propertyCheck(count: 60, input: Gen.int(in: 0...1_000_000)) { seed in
            let book = randomPortfolio(seed: seed)
            guard let r = try? calc.margin(of: book, market: market, explain: false) else {
                Issue.record("margin failed for seed \(seed)")
                return
            }
            #expect(r.maintenanceMargin >= 0)
            #expect(r.initialMargin >= r.maintenanceMargin)
            for u in r.underlyings {
                #expect(u.components.scan >= 0 && u.components.extreme >= 0 && u.components.roll >= 0)
                #expect(u.riskArray.checkInvariants())
            }
        }
    }

    /// The seed that found the cancellation floor: its BTC legs hedge exactly, so its BTC components are zero up to
    /// rounding on both sides, and they agree within a nano-dollar; its ETH components agree to 1e-9 relative.
    @Test func aPerfectHedgeAgreesWithTheSpecificationWithinANanoDollar() throws {
        let market = try exampleMarket()
        let reference = SpecReference(market: market)
        let book = randomPortfolio(seed: 847_769)
        let r = try calc.margin(of: book, market: market, explain: false)
        let btc = try #require(r.underlyings.first { $0.name == "BTC" })
        let e = reference.components(book, "BTC")
        #expect(abs(btc.components.scan - e.scan) < 1e-9 && abs(btc.components.extreme - e.extreme) < 1e-9)
        let eth = try #require(r.underlyings.first { $0.name == "ETH" })
        #expect(relativeDifference(eth.components.scan, reference.components(book, "ETH").scan) < 1e-9)
    }

    /// For random accounts (options of both settlements, futures, perpetuals, coin balances), every component agrees
    /// with the independent specification reference (`SpecReference`) to 1e-9 relative.
    @Test func randomAccountsAgreeWithSpecification() async throws {
        let market = try exampleMarket()
        let reference = SpecReference(market: market)
        await propertyCheck(count: 40, input: Gen.int(in: 0...1_000_000)) { seed in
            let book = randomPortfolio(seed: seed)
            guard let r = try? calc.margin(of: book, market: market, explain: false) else {
                Issue.record("margin failed for seed \(seed)")
                return
            }
            // A perfectly hedged underlying (seed 847769: −270,000 USD of inverse BTC perpetual against 3 BTC) has
            // components that are zero up to cancellation error (≈ 10⁻¹¹ USD on both sides, summed in different
            // orders): below one nano-dollar, two figures are equal (floor 1 USD at 1e-9 relative).
            for u in r.underlyings {
                let e = reference.components(book, u.name)
                #expect(relativeDifference(u.components.scan, e.scan, floor: 1) < 1e-9)
                #expect(relativeDifference(u.components.extreme, e.extreme, floor: 1) < 1e-9)
                #expect(relativeDifference(u.components.som, e.som, floor: 1) < 1e-9)
                #expect(relativeDifference(u.components.roll, e.roll, floor: 1) < 1e-9)
                #expect(relativeDifference(u.components.liquidationCost, e.liq, floor: 1) < 1e-9)
            }
            #expect(relativeDifference(r.maintenanceMargin, reference.maintenanceMarginSum(book), floor: 1e-6) < 1e-9)
        }
    }

    /// Adding a position and its exact opposite leaves every underlying's scan unchanged.
    @Test func exactOffsetRemovesScanContribution() async throws {
        let market = try exampleMarket()
        await propertyCheck(count: 40, input: Gen.int(in: 0...1_000_000)) { seed in
            let book = randomPortfolio(seed: seed)
            let extra = randomPortfolio(seed: seed &+ 17, maxPositions: 1).positions[0]
            var withPair = book
            withPair.positions += [extra, Position(instrument: extra.instrument, size: -extra.size)]
            guard let a = try? calc.margin(of: book, market: market, explain: false),
                let b = try? calc.margin(of: withPair, market: market, explain: false)
            else { return }
            for u in b.underlyings {
                let before = a.underlyings.first { $0.name == u.name }?.components.scan ?? 0
                #expect(abs(u.components.scan - before) <= 1e-9 * max(1, before))
            }
        }
    }

    @Test func isolatedIsNeverBelowPortfolio() async throws {
        let market = try exampleMarket()
        await propertyCheck(count: 40, input: Gen.int(in: 0...1_000_000)) { seed in
            let book = randomPortfolio(seed: seed)
            guard let p = try? calc.margin(of: book, market: market, explain: false),
                let i = try? calc.legacyMargin(.isolated, of: book, market: market)
            else { return }
            #expect(i.maintenanceMargin >= p.maintenanceMargin * (1 - 1e-12))
        }
    }

    @Test func correlatedNeverExceedsSum() async throws {
        let market = try exampleMarket()
        var params = RiskParameters.reference
        params.correlationMode = .correlated
        let correlated = MarginCalculator(parameters: params)
        await propertyCheck(count: 40, input: Gen.int(in: 0...1_000_000)) { seed in
            let book = randomPortfolio(seed: seed)
            guard let s = try? calc.margin(of: book, market: market, explain: false),
                let c = try? correlated.margin(of: book, market: market, explain: false)
            else { return }
            #expect(c.maintenanceMargin <= s.maintenanceMargin * (1 + 1e-12))
        }
    }

    /// In `correlated` mode a BTC-long/ETH-short pair needs less as ρ rises; a long/long pair needs more.
    /// With the reference parameters the 35% of the ±45% extreme (0.1575 of notional) exceeds the ±15% scan of a
    /// linear future, so Σ Extreme binds the core of a futures pair: the joint loss is what responds to ρ. With a
    /// lower extreme coverage the joint loss binds and MM itself responds.
    @Test(arguments: [0.35, 0.10])
    func correlatedRespondsToRho(extremeCoverage: Double) throws {
        var market = try exampleMarket()
        var params = RiskParameters.reference
        params.correlationMode = .correlated
        params.extremeCoverage = extremeCoverage
        let correlated = MarginCalculator(parameters: params)
        let hedge = Portfolio(account: "h", positions: [future("BTC", t2, 10), future("ETH", t2, -290)])
        let longLong = Portfolio(account: "l", positions: [future("BTC", t2, 10), future("ETH", t2, 290)])
        var hedgeJoint: [Double] = []
        var longJoint: [Double] = []
        var hedgeMM: [Double] = []
        var longMM: [Double] = []
        for rho in [-0.5, 0.0, 0.3, 0.6, 0.85] {
            var table = CorrelationTable()
            table.set("BTC", "ETH", rho: rho)
            market.correlations = table
            let h = try correlated.margin(of: hedge, market: market, explain: false)
            let l = try correlated.margin(of: longLong, market: market, explain: false)
            hedgeJoint.append(h.requirement.joint ?? .nan)
            longJoint.append(l.requirement.joint ?? .nan)
            hedgeMM.append(h.maintenanceMargin)
            longMM.append(l.maintenanceMargin)
        }
        for k in 1..<hedgeJoint.count {
            #expect(hedgeJoint[k] <= hedgeJoint[k - 1] + 1e-9)
            #expect(longJoint[k] >= longJoint[k - 1] - 1e-9)
            #expect(hedgeMM[k] <= hedgeMM[k - 1] + 1e-9)
            #expect(longMM[k] >= longMM[k - 1] - 1e-9)
        }
        #expect(hedgeJoint[hedgeJoint.count - 1] < hedgeJoint[0])
        #expect(longJoint[longJoint.count - 1] > longJoint[0])
        if extremeCoverage < 0.15 {
            #expect(hedgeMM[hedgeMM.count - 1] < hedgeMM[0])
            #expect(longMM[longMM.count - 1] > longMM[0])
        }
    }

    /// With a single underlying the correlated joint loss equals the scan.
    @Test func correlatedSingleUnderlyingEqualsScan() throws {
        let market = try exampleMarket()
        var params = RiskParameters.reference
        params.correlationMode = .correlated
        let book = try exampleBook("short-strangle")
        let c = try MarginCalculator(parameters: params).margin(of: book, market: market, explain: false)
        #expect(abs((c.requirement.joint ?? -1) - c.underlyings[0].components.scan) < 1e-9)
    }

    /// A correlation matrix that is not positive definite is an error naming a pair.
    @Test func nonPositiveDefiniteCorrelationIsRejected() throws {
        var market = try exampleMarket()
        var table = CorrelationTable()
        table.set("BTC", "ETH", rho: 0.95)
        table.set("BTC", "SOL", rho: 0.95)
        table.set("ETH", "SOL", rho: -0.95)
        market.correlations = table
        var params = RiskParameters.reference
        params.correlationMode = .correlated
        let book = Portfolio(account: "x", positions: [future("BTC", t2, 1), future("ETH", t2, 1), future("SOL", t2, 1)])
        #expect(throws: InputError.self) { try MarginCalculator(parameters: params).margin(of: book, market: market) }
        do throws(InputError) {
            _ = try MarginCalculator(parameters: params).margin(of: book, market: market)
        } catch {
            #expect(error.description.contains("positive definite"))
            #expect(error.path.contains("SOL"))
        }
    }
}
