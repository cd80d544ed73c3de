import MarginCore
@testable import MarginVenues
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Venues {
    /// Deribit's worked example (VENUE_PRESETS.md; Deribit API documentation, `private/pme/simulate` response
    /// example): BTC index 65,666.19 at 2024-06-17T10:22:20Z; BTC-PERPETUAL +0.314538364 BTC (mark 65,910.57),
    /// BTC-28JUN24 −0.001187534 BTC (mark 67,371.75, expiry 2024-06-28T08:00:00Z). Positions enter as inverse
    /// contracts sized by USD notional = coins × mark, as the input format has them.
    @Suite struct DeribitMarginTests {
        static let market = """
            {"valuationTime": "2024-06-17T10:22:20Z",
             "underlyings": {"BTC": {"index": 65666.19, "perpetualPrice": 65910.57,
                                     "forwards": [{"expiry": "2024-06-28T08:00:00Z", "price": 67371.75}]}}}
            """

        static func example() throws -> (Portfolio, MarketSnapshot) {
            let market = try MarketSnapshot(jsonText: market)
            let perp = Instrument(underlying: "BTC", kind: .perpetual, settlement: .inverse)
            let expiry = try #require(Instant(iso8601: "2024-06-28T08:00:00Z"))
            let future = Instrument(underlying: "BTC", kind: .future(expiry: expiry), settlement: .inverse)
            let portfolio = Portfolio(
                account: "deribit-doc",
                positions: [
                    Position(instrument: perp, size: 0.314538364 * 65910.57),
                    Position(instrument: future, size: -0.001187534 * 67371.75),
                ])
            return (portfolio, market)
        }

        /// The published figures: worst_case 0.05968587238 (at −16%), roll_shock 0.00315725898, delta_shock 0,
        /// risk_matrix_margin 0.06284313098, MM 0.050274504784, all in BTC.
        @Test func workedExampleMargins() throws {
            let (portfolio, market) = try Self.example()
            let result = try VenuePreset(.deribit).margin(of: portfolio, market: market)
            #expect(result.preset == "deribit")
            #expect(result.marginCurrency == "BTC")
            let unit = try #require(result.units.first)
            #expect(result.units.count == 1)
            #expect(agreesToDigits(try #require(unit.component("worst_case")), "0.05968587238"))
            #expect(agreesToDigits(try #require(unit.component("roll_shock")), "0.00315725898"))
            #expect(try #require(unit.component("delta_shock")) == 0)
            #expect(agreesToDigits(try #require(unit.component("risk_matrix_margin")), "0.06284313098"))
            #expect(agreesToDigits(result.initialMargin, "0.06284313098"))
            #expect(agreesToDigits(result.maintenanceMargin, "0.050274504784"))
            // The worst cell is −16% (Deribit: bucket 1, left, standard).
            let worst = try #require(unit.worstScenario)
            #expect(unit.scenarios[worst].priceMove == -0.16)
            #expect(unit.scenarios[worst].table == .standard)
            #expect(unit.binding == "worst_case (standard)")
        }

        /// The perpetual's P&L vector over −16%…+16% (9 points), BTC: q·m/(1+m).
        @Test func perpetualPnLVector() throws {
            let (portfolio, market) = try Self.example()
            let unit = try #require(try VenuePreset(.deribit).margin(of: portfolio, market: market).units.first)
            let perp = try #require(unit.positionVectors.first { $0.position == 0 })
            let published = [
                "-0.05991206933", "-0.04289159509", "-0.02735116209", "-0.01310576517", "0",
                "0.01209762938", "0.02329913807", "0.03370053900", "0.04338460193",
            ]
            for (i, text) in published.enumerated() {
                // Standard table: price-major, vol up / same / down; a perpetual's P&L does not depend on vol.
                for v in 0..<3 {
                    #expect(
                        agreesToDigits(perp.pnl[i * 3 + v], text), "price point \(i), vol \(v): \(perp.pnl[i * 3 + v])")
                }
            }
            // Extended table (Deribit's initial_risk_vectors): the edge values, −16% for the two down moves,
            // +16% above.
            let extended = perp.pnl[27...]
            #expect(extended.count == 8)
            for (k, value) in extended.enumerated() {
                #expect(agreesToDigits(value, k < 2 ? "-0.05991206933" : "0.04338460193"))
            }
        }

        /// Aggregated vector (Deribit's aggregated_risk_vectors.btc_btc): gains × pnl_offset 0; extended losses fully
        /// dampened (a 100,000 USD dampener dwarfs a 0.06 BTC loss), so the extended row is all zeros.
        @Test func aggregatedVector() throws {
            let (portfolio, market) = try Self.example()
            let unit = try #require(try VenuePreset(.deribit).margin(of: portfolio, market: market).units.first)
            let standard = [
                "-0.05968587238095239", "-0.04272965863636364", "-0.02724789826086957",
                "-0.013056284583333334", "0", "0", "0", "0", "0",
            ]
            for (i, text) in standard.enumerated() {
                #expect(agreesToDigits(unit.riskVector[i * 3], text))
            }
            #expect(unit.riskVector[27...].allSatisfy { $0 == 0 })
        }

        /// Segregated pools: a USDC-settled position margins in USDC, apart from the BTC pool; the account headline is
        /// then USD.
        @Test func segregatedPools() throws {
            let (portfolio, market) = try Self.example()
            var book = portfolio
            book.positions.append(
                Position(
                    instrument: Instrument(underlying: "BTC", kind: .perpetual, settlement: .linear),
                    size: 1))
            book.balances = ["BTC": 1, "USDC": 10_000]
            let result = try VenuePreset(.deribit).margin(of: book, market: market)
            #expect(result.pools.map(\.currency) == ["BTC", "USDC"])
            #expect(result.marginCurrency == "USD")
            let btc = try #require(result.pools.first)
            #expect(agreesToDigits(btc.initialMargin, "0.06284313098"))
            #expect(btc.equity == 1)  // the coin balance is equity, not risk
            // Linear perpetual, 1 BTC long, in USD: worst case −16% of the perpetual price; roll 1% of its coin
            // position at the index.
            let usdc = try #require(result.pools.last)
            #expect(abs(usdc.initialMargin - (0.16 * 65910.57 + 0.01 * 65666.19)) < 1e-6)
            #expect(abs(result.initialMargin - (btc.initialMargin * 65666.19 + usdc.initialMargin)) < 1e-6)
        }

        /// The vol-shock rule of VENUE_PRESETS.md (approximation): BTC up 0.50, down 0.25, p = 0.30 to 30 days,
        /// 0.13 after, and a floor of 0.5 on the up-shocked vol.
        @Test func termScaledVolShocks() {
            let rule = VolShockRule.termScaled(
                up: 0.5, down: 0.25, shortPower: 0.30, longPower: 0.13, pivotDays: 30,
                minVolUp: 0.5)
            let s10 = pow(3.0, 0.30)
            #expect(abs(rule.vol(.up, sigma: 0.6, daysToExpiry: 10) - 0.6 * (1 + 0.5 * s10)) < 1e-15)
            #expect(abs(rule.vol(.down, sigma: 0.6, daysToExpiry: 10) - 0.6 * (1 - 0.25 * s10)) < 1e-15)
            #expect(
                abs(rule.vol(.up, sigma: 0.3, daysToExpiry: 90) - max(0.5, 0.3 * (1 + 0.5 * pow(1.0 / 3, 0.13))))
                    < 1e-15)
            #expect(rule.vol(.same, sigma: 0.3, daysToExpiry: 90) == 0.3)
            // DTE below one day counts as one: (30/1)^0.3.
            #expect(rule.vol(.down, sigma: 0.6, daysToExpiry: 0.2) == 0.6 * max(0, 1 - 0.25 * pow(30.0, 0.30)))
        }

        /// The extended-table scale makes linear coin P&L equal to the edge value, and the dampener shrinks a loss by
        /// `(|m|/r − 1)·dampener/((1+sign(m)·r)·S)` but never below zero.
        @Test func extendedWeightAndDampener() {
            let w = ScenarioWeight.deribitExtended(factor: 1, range: 0.16, dampenerUSD: 100_000)
            for m in [-0.66, -0.33, 0.5, 5.0] {
                let edge = m < 0 ? -0.16 / 0.84 : 0.16 / 1.16
                #expect(abs(w.scale(priceMove: m) * m / (1 + m) - edge) < 1e-15)
            }
            let relief = (0.33 / 0.16 - 1) * 100_000 / (0.84 * 65_000)
            #expect(abs(w.dampened(-5, priceMove: -0.33, dampenerScale: 65_000) - -(5 - relief)) < 1e-12)
            #expect(w.dampened(-1, priceMove: -0.33, dampenerScale: 65_000) == 0)
            #expect(w.dampened(2, priceMove: -0.33, dampenerScale: 65_000) == 2)
        }
    }
}
