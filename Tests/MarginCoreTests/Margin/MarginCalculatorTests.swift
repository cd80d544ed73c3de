import Foundation
import MarginCore
import MarginTestSupport
import Testing

/// Loads the project's example market (examples/market.json).
func exampleMarket() throws -> MarketSnapshot {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../examples/market.json")
    return try MarketSnapshot(jsonText: String(contentsOf: url, encoding: .utf8))
}

func exampleBook(_ name: String) throws -> Portfolio {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../examples/\(name).json")
    return try Portfolio(jsonText: String(contentsOf: url, encoding: .utf8))
}

let t1 = Instant(iso8601: "2026-01-30T08:00:00Z")!
let t2 = Instant(iso8601: "2026-03-27T08:00:00Z")!
let t3 = Instant(iso8601: "2026-06-26T08:00:00Z")!

func option(_ expiry: Instant, _ strike: Double, _ right: OptionRight, _ q: Double,
            _ settlement: Settlement = .linear) -> Position {
    option("BTC", expiry, strike, right, q, settlement)
}

func option(_ u: String, _ expiry: Instant, _ strike: Double, _ right: OptionRight, _ q: Double,
            _ settlement: Settlement = .linear) -> Position {
    Position(instrument: Instrument(underlying: u, kind: .option(OptionContract(expiry: expiry, strike: strike, right: right)),
                                    settlement: settlement), size: q)
}

func future(_ expiry: Instant?, _ size: Double, _ settlement: Settlement = .linear, entry: Double? = nil) -> Position {
    future("BTC", expiry, size, settlement, entry: entry)
}

func future(_ u: String, _ expiry: Instant?, _ size: Double, _ settlement: Settlement = .linear,
            entry: Double? = nil) -> Position {
    Position(instrument: Instrument(underlying: u, kind: expiry.map { .future(expiry: $0) } ?? .perpetual,
                                    settlement: settlement), size: size, entryPrice: entry)
}

@Suite struct MarginCalculatorTests {
    let calc = MarginCalculator()

    /// Hand-worked: long 1 BTC linear future expiring 2026-03-27 (F = 91,500, S = 90,000, T = 77/365).
    /// Scan = 0.15·91,500 = 13,725 (at −15%); Extreme = 0.35·0.45·91,500 = 14,411.25 (binds); SOM = 0;
    /// Roll = 91,500·0.01·77/365 = 193.0274; Liq = 0.0005·90,000 = 45; MM = 14,649.2774; IM = 1.3·MM.
    @Test func singleLinearFuture() throws {
        let market = try exampleMarket()
        let r = try calc.margin(of: Portfolio(account: "f", positions: [future(t2, 1)]), market: market)
        let c = try #require(r.underlyings.first).components
        #expect(abs(c.scan - 13_725) < 1e-6)
        #expect(abs(c.extreme - 14_411.25) < 1e-6)
        #expect(c.som == 0)
        #expect(abs(c.roll - 91_500 * 0.01 * 77 / 365) < 1e-6)
        #expect(abs(c.liquidationCost - 45) < 1e-9)
        let mm = 14_411.25 + 91_500 * 0.01 * 77 / 365 + 45
        #expect(abs(r.maintenanceMargin - mm) < 1e-6)
        #expect(abs(r.initialMargin - 1.3 * mm) < 1e-6)
        #expect(r.underlyings[0].driver == .extreme)
    }

    /// Hand-worked inverse future: N = 100,000 USD long, F = 91,500, S = 90,000: P&L at move m is m·N·S/F.
    @Test func inverseFutureScan() throws {
        let market = try exampleMarket()
        let r = try calc.margin(of: Portfolio(account: "f", positions: [future(t2, 100_000, .inverse)]), market: market)
        let c = try #require(r.underlyings.first).components
        #expect(abs(c.scan - 0.15 * 100_000 * 90_000 / 91_500) < 1e-6)
        #expect(abs(c.liquidationCost - 50) < 1e-9)
    }

    /// A covered call (10 BTC + 10 short calls) needs far less than its legs margined alone.
    @Test func coveredCallNetsItsLegs() throws {
        let market = try exampleMarket()
        let book = try exampleBook("covered-call")
        let together = try calc.margin(of: book, market: market).maintenanceMargin
        let isolated = try calc.legacyMargin(.isolated, of: book, market: market).maintenanceMargin
        #expect(together < 0.6 * isolated)
        let spotAlone = try calc.margin(of: Portfolio(account: "s", balances: ["BTC": 10]), market: market).maintenanceMargin
        #expect(together < spotAlone)
    }

    /// Calendar spread (short near, long far, same strike): small price risk, caught by the roll component,
    /// whose value matches an independent repricing with forwards moved by ±1%·min(T, 1).
    @Test func calendarSpreadRoll() throws {
        let market = try exampleMarket()
        let book = try exampleBook("calendar-spread")
        let r = try calc.margin(of: book, market: market)
        let c = try #require(r.underlyings.first).components
        let ref = SpecReference(market: market).components(book, "BTC")
        #expect(c.roll > 0)
        #expect(relativeDifference(c.roll, ref.roll) < 1e-9)
    }

    /// Short strangle: the ±45% extreme moves bind (35% of the extreme loss exceeds the ±15% scan).
    @Test func shortStrangleHitsExtreme() throws {
        let market = try exampleMarket()
        let book = try exampleBook("short-strangle")
        let r = try calc.margin(of: book, market: market)
        let u = try #require(r.underlyings.first)
        #expect(u.components.extreme > u.components.scan)
        #expect(u.driver == .extreme)
        #expect(u.drivingScenario.kind == .extreme)
        let ref = SpecReference(market: market).components(book, "BTC")
        #expect(relativeDifference(u.components.extreme, ref.extreme) < 1e-9)
    }

    /// A far-OTM short put: scan and extreme are tiny, SOM = 0.005·90,000·2 = 900 binds.
    @Test func shortOptionMinimumBinds() throws {
        let market = try exampleMarket()
        let book = Portfolio(account: "otm", positions: [option(t1, 30_000, .put, -2)])
        let r = try calc.margin(of: book, market: market)
        let u = try #require(r.underlyings.first)
        #expect(u.driver == .som)
        #expect(abs(u.components.som - 900) < 1e-9)
        #expect(abs(r.requirement.core - 900) < 1e-9)
    }

    /// Every component of every example book agrees with the independent specification reference to 1e-9.
    @Test(arguments: ["covered-call", "protective-put", "calendar-spread", "short-strangle", "cross-hedge",
                      "coin-collateral", "inverse-mixed", "market-maker-book"])
    func agreesWithSpecification(book name: String) throws {
        let market = try exampleMarket()
        let book = try exampleBook(name)
        let r = try calc.margin(of: book, market: market, explain: false)
        let ref = SpecReference(market: market)
        for u in r.underlyings {
            let e = ref.components(book, u.name)
            #expect(relativeDifference(u.components.scan, e.scan) < 1e-9, "\(name) \(u.name) scan")
            #expect(relativeDifference(u.components.extreme, e.extreme) < 1e-9, "\(name) \(u.name) extreme")
            #expect(relativeDifference(u.components.som, e.som) < 1e-12, "\(name) \(u.name) som")
            #expect(relativeDifference(u.components.roll, e.roll) < 1e-9, "\(name) \(u.name) roll")
            #expect(relativeDifference(u.components.liquidationCost, e.liq) < 1e-12, "\(name) \(u.name) liq")
            for (a, b) in zip(u.riskArray.priceLossCurve, e.curve) {
                #expect(relativeDifference(a, b, floor: 1e-6) < 1e-9)
            }
        }
        #expect(relativeDifference(r.maintenanceMargin, ref.maintenanceMarginSum(book)) < 1e-9)
    }

    /// Equity of shared/examples-like positions, hand-worked: balances at S, option values, futures' unrealized P&L.
    @Test func equityHandWorked() throws {
        let market = try exampleMarket()
        let book = Portfolio(account: "e", balances: ["USDC": 1_000, "BTC": 2, "ETH": -1],
                             positions: [future(nil, -2, entry: 91_000), future(t2, 100_000, .inverse, entry: 90_000)])
        let r = try calc.margin(of: book, market: market)
        let inverseUnrealized: Double = 100_000 * (1.0 / 90_000 - 1.0 / 91_500) * 90_000
        let expected: Double = 1_000 + 2 * 90_000 - 3_100 + (-2) * (90_000 - 91_000) + inverseUnrealized
        #expect(abs(r.equity - expected) < 1e-6)
    }

    /// Health thresholds in MARGIN_MODEL.md's order.
    @Test func healthStates() {
        #expect(Health(equity: 130, initialMargin: 130, maintenanceMargin: 100, takeoverRatio: 0.5) == .healthy)
        #expect(Health(equity: 100, initialMargin: 130, maintenanceMargin: 100, takeoverRatio: 0.5) == .restricted)
        #expect(Health(equity: 60, initialMargin: 130, maintenanceMargin: 100, takeoverRatio: 0.5) == .liquidation)
        #expect(Health(equity: 49, initialMargin: 130, maintenanceMargin: 100, takeoverRatio: 0.5) == .takeover)
        #expect(Health(equity: 0, initialMargin: 0, maintenanceMargin: 0, takeoverRatio: 0.5) == .healthy)
        // Negative equity with no requirement: below IM and MM, and ≤ 0 → takeover.
        #expect(Health(equity: -1, initialMargin: 0, maintenanceMargin: 0, takeoverRatio: 0.5) == .takeover)
    }

    /// In correlated mode the explanation follows what binds the core: Σ Extreme for a futures cross hedge with the
    /// reference parameters (0.35·45% > 15%), the joint move when extreme coverage is low.
    @Test func correlatedDriverFollowsTheBindingTerm() throws {
        let market = try exampleMarket()
        let book = try exampleBook("cross-hedge")
        var params = RiskParameters.reference
        params.correlationMode = .correlated
        let r = try MarginCalculator(parameters: params).margin(of: book, market: market, explain: false)
        let sumExtreme = r.underlyings.reduce(0) { $0 + $1.components.extreme }
        #expect(abs(r.requirement.core - sumExtreme) < 1e-9)
        #expect(r.underlyings.allSatisfy { $0.driver == .extreme && $0.drivingScenario.kind == .extreme })
        params.extremeCoverage = 0.05
        let low = try MarginCalculator(parameters: params).margin(of: book, market: market, explain: false)
        #expect(abs(low.requirement.core - (low.requirement.joint ?? -1)) < 1e-9)
        #expect(low.underlyings.allSatisfy { $0.driver == .joint && $0.drivingScenario.kind == .regular })
        // Each position's P&L in the joint scenario sums (with balances) to minus the joint loss.
        let pnl = low.positions.reduce(0) { $0 + $1.scenarioPnL }
        #expect(abs(-pnl - (low.requirement.joint ?? 0)) < 1e-6)
    }

    /// The same inputs give bit-identical results.
    @Test func deterministic() throws {
        let market = try exampleMarket()
        let book = try exampleBook("market-maker-book")
        let a = try calc.margin(of: book, market: market, explain: false)
        let b = try calc.margin(of: book, market: market, explain: false)
        #expect(a.json.serialized() == b.json.serialized())
    }

    /// Bad input: errors name the position's index and field.
    @Test func badInputNamesThePosition() throws {
        let market = try exampleMarket()
        let expired = option(Instant(iso8601: "2026-01-01T00:00:00Z")!, 90_000, .call, 1)
        #expect(throws: InputError.self) { try calc.margin(of: Portfolio(account: "x", positions: [future(t2, 1), expired]), market: market) }
        do throws(InputError) {
            _ = try calc.margin(of: Portfolio(account: "x", positions: [future(t2, 1), expired]), market: market)
        } catch {
            #expect(error.path == "$.positions[1].expiry")
        }
        do throws(InputError) {
            _ = try calc.margin(of: Portfolio(account: "x", positions: [future("DOGE", t2, 1)]), market: market)
        } catch {
            #expect(error.path == "$.positions[0].underlying")
        }
        var noSurface = market
        noSurface.underlyings["ETH"]?.volSurface = nil
        do throws(InputError) {
            _ = try calc.margin(of: Portfolio(account: "x", positions: [option("ETH", t2, 3000, .call, 1)]), market: noSurface)
        } catch {
            #expect(error.path == "$.positions[0].underlying")
        }
    }
}
