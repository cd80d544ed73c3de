import Foundation
import MarginCore
import MarginTestSupport
import Testing

/// Liquidation prices against closed forms (a linear future, an inverse perpetual) and, for a short strangle
/// (no closed form), against the defining property: equity = MM at both levels, above MM everywhere between.
@Suite struct LiquidationPricesTests {
    static let valuation = Instant(iso8601: "2026-01-09T08:00:00Z")!
    static let march = Instant(iso8601: "2026-03-27T08:00:00Z")!

    static func market() throws -> MarketSnapshot {
        try MarketSnapshot(json: JSONNode.parse(String(decoding: try #require(
            FileManager.default.contents(atPath: ExampleFiles.path("market.json"))), as: UTF8.self)))
    }

    /// Long q BTC of the March linear future entered at today's forward F₀ = 91,500 with B USD.
    /// Equity(m) = B + q·F₀·m. MM(m) = q·(1+m)·c with c = 0.35·0.45·F₀ (extreme binds: 0.1575 > the 0.15 scan)
    /// + 0.01·min(T, 1)·F₀ (roll) + 0.0005·S₀ (liquidation cost), S₀ = 90,000. Equity = MM at
    /// m = (q·c − B) / (q·(F₀ − c)); above today MM grows slower than equity (F₀ > c): no upper level.
    @Test func aLinearFutureMatchesTheClosedForm() throws {
        let market = try Self.market()
        let btc = try #require(market.underlyings["BTC"])
        let future = Instrument(underlying: "BTC", kind: .future(expiry: Self.march), settlement: .linear)
        let q = 2.0
        let b = 60_000.0
        let portfolio = Portfolio(account: "long-future", balances: ["USD": b],
                                  positions: [Position(instrument: future, size: q)])
        let f0 = 91_500.0
        let t = btc.years(to: Self.march)
        let c = 0.35 * 0.45 * f0 + 0.01 * min(t, 1) * f0 + 0.0005 * 90_000
        let m = (q * c - b) / (q * (f0 - c))
        let prices = try LiquidationPriceSearch().prices(of: portfolio, market: market)
        let level = try #require(prices.levels.first)
        #expect(prices.levels.map(\.underlying) == ["BTC"])
        let below = try #require(level.below)
        #expect(relativeDifference(below, 90_000 * (1 + m)) < 1e-9, "\(below) vs \(90_000 * (1 + m))")
        #expect(level.above == nil)
        #expect(!prices.belowMaintenanceMargin)
    }

    /// Long N USD of the inverse perpetual (perpetual price = index) with b BTC of collateral. At index x:
    /// equity = b·x + N·(x/S₀ − 1); every scenario's P&L is m·(b·x + N), so MM = 0.1575·(b·x + N) (extreme) +
    /// 0.0005·N (liquidation cost; no roll without expiry). Equity = MM at x = 1.158·N / (0.8425·b + N/S₀).
    @Test func anInversePerpetualMatchesTheClosedForm() throws {
        let market = try Self.market()
        let perpetual = Instrument(underlying: "BTC", kind: .perpetual, settlement: .inverse)
        let n = 200_000.0
        let b = 1.0
        let portfolio = Portfolio(account: "inverse-long", balances: ["BTC": b],
                                  positions: [Position(instrument: perpetual, size: n)])
        let expected = (1 + 0.1575 + 0.0005) * n / ((1 - 0.1575) * b + n / 90_000)
        let level = try #require(try LiquidationPriceSearch().prices(of: portfolio, market: market).levels.first)
        #expect(relativeDifference(try #require(level.below), expected) < 1e-9)
        #expect(level.above == nil)
    }

    /// A short strangle is liquidated on both sides. At each level equity − MM is 0 (to the bisection's
    /// precision), and on a fine grid between the levels the account stays above MM (the levels are the nearest).
    @Test func aShortStrangleHasALevelOnEachSide() throws {
        let market = try Self.market()
        let portfolio = try Portfolio(json: JSONNode.parse(String(decoding: try #require(
            FileManager.default.contents(atPath: ExampleFiles.path("short-strangle.json"))), as: UTF8.self)))
        let prices = try LiquidationPriceSearch().prices(of: portfolio, market: market)
        let level = try #require(prices.levels.first { $0.underlying == "BTC" })
        let below = try #require(level.below)
        let above = try #require(level.above)
        #expect(below < 90_000 && above > 90_000)
        let calc = MarginCalculator(parameters: .reference)
        let btc = try #require(market.underlyings["BTC"])
        func cushion(_ s: Double) throws -> Double {
            var shifted = market
            shifted.underlyings["BTC"] = btc.atPriceLevel(s / 90_000)
            let m = try calc.margin(of: portfolio, market: shifted, explain: false)
            return m.equity - m.maintenanceMargin
        }
        let today = try cushion(90_000)
        #expect(today > 0)
        #expect(abs(try cushion(below)) < 1e-6 * today)
        #expect(abs(try cushion(above)) < 1e-6 * today)
        for k in 1..<40 {
            let s = below + (above - below) * Double(k) / 40
            #expect(try cushion(s) > 0, "above MM at \(s)")
        }
        #expect(try cushion(below * 0.999) < 0)
        #expect(try cushion(above * 1.001) < 0)
    }

    /// Sticky strike: at a shifted level a strike reads the vol it read today.
    @Test func thePriceLevelKeepsTheSurfaceStickyInStrike() throws {
        let btc = try #require(try Self.market().underlyings["BTC"])
        let shifted = btc.atPriceLevel(0.75)
        #expect(shifted.index == 67_500)
        #expect(shifted.forward(expiry: Self.march) == 68_625)
        for strike in [50_000.0, 80_000, 90_000, 120_000] {
            let before = try #require(btc.impliedVol(strike: strike, expiry: Self.march))
            let after = try #require(shifted.impliedVol(strike: strike, expiry: Self.march))
            #expect(abs(before - after) < 1e-12)
        }
    }

    @Test func anAccountAlreadyBelowMaintenanceMarginSaysSo() throws {
        let market = try Self.market()
        let future = Instrument(underlying: "BTC", kind: .future(expiry: Self.march), settlement: .linear)
        let portfolio = Portfolio(account: "thin", balances: ["USD": 1_000],
                                  positions: [Position(instrument: future, size: 2)])
        let prices = try LiquidationPriceSearch().prices(of: portfolio, market: market)
        #expect(prices.belowMaintenanceMargin)
        // Equity grows faster than MM as the price rises: it climbs back to MM above today's index.
        let level = try #require(prices.levels.first)
        #expect(try #require(level.above) > 90_000)
    }
}
