#if canImport(Glibc)
import Glibc
#endif
import MarginCore
import Testing

/// The backtest loop on a long linear perpetual of q coins, whose margins and P&L are closed form:
/// P&L_t = q·(S_{t+1} − S_t); MM_t = m·q·S_t with m = 0.05 (fixed percentage: 10% IM, MM half), 0.01 (standard cross:
/// 1% of notional at F = S) and, for the reference model, max(scan 0.15, extreme 0.35 × 0.45 = 0.1575) + liquidation
/// cost 0.0005 = 0.158 (no roll: a perpetual has no tenor). An exception is a day whose return is below −m.
@Suite struct BacktestTests {
    static let q = 2.0
    /// Returns of the six observed days (rows 30 … 35 → 31 … 36).
    static let moves = [-0.02, 0.01, -0.06, 0.03, -0.20, 0.0]

    static func history() throws -> PriceHistory {
        var closes = (0...30).map { 10_000 * exp(0.001 * Double($0)) }
        for m in moves { closes.append(closes[closes.count - 1] * (1 + m)) }
        let start = Instant(iso8601: "2020-01-01")!
        let dates = closes.indices.map { start.adding(seconds: Int64($0) * 86_400) }
        return try PriceHistory(names: ["BTC"], dates: dates, closes: [closes])
    }

    static let template = BookTemplate(account: "perp", legs: [
        .init(position: Position(instrument: Instrument(underlying: "BTC", kind: .perpetual, settlement: .linear),
                                 size: q))
    ])

    @Test func marginsPnLAndExceptionsAreClosedForm() throws {
        let history = try Self.history()
        let backtest = try Backtest(history: history, template: Self.template)
        #expect(backtest.observations.map(\.day) == Array(30...35))
        let calculator = MarginCalculator()
        let result = try backtest.run(models: [.portfolio(calculator), .legacy(.fixedPercentage),
                                               .legacy(.standardCross)], calculator: calculator)
        let s = history.closes[0]
        #expect(result.dates == ["2020-01-31", "2020-02-01", "2020-02-02", "2020-02-03", "2020-02-04", "2020-02-05"])
        for (i, t) in (30...35).enumerated() {
            #expect(abs(result.pnl[i] - Self.q * (s[t + 1] - s[t])) < 1e-9 * s[t])
            for (model, m) in [("portfolio", 0.158), ("fixedPercentage", 0.05), ("standardCross", 0.01)] {
                let margin = result.model(model)!.margins[i]
                #expect(abs(margin - m * Self.q * s[t]) < 1e-9 * s[t], "\(model) on row \(t)")
            }
        }
        let exceptions = { (name: String) in result.model(name)!.statistics.exceptionDates }
        #expect(exceptions("portfolio") == ["2020-02-04"])
        #expect(exceptions("fixedPercentage") == ["2020-02-02", "2020-02-04"])
        #expect(exceptions("standardCross") == ["2020-01-31", "2020-02-02", "2020-02-04"])

        let fixed = result.model("fixedPercentage")!.statistics
        #expect(fixed.observations == 6 && fixed.exceptions == 2)
        #expect(abs(fixed.coverage - 4.0 / 6) < 1e-15)
        #expect(fixed.kupiec == KupiecTest(observations: 6, exceptions: 2, coverage: 0.99))
        #expect(fixed.zone == TrafficLightZone(exceptions: 2, observations: 6, coverage: 0.99))
        #expect(fixed.windows.isEmpty)
        #expect(fixed.meanMarginVsFixed == 1)
        // The worst shortfall: the −20% day, loss 0.20·q·S − 0.05·q·S.
        #expect(fixed.worstShortfall.date == "2020-02-04")
        #expect(abs(fixed.worstShortfall.amount - 0.15 * Self.q * s[34]) < 1e-9 * s[34])
        let portfolio = result.model("portfolio")!.statistics
        #expect(abs(portfolio.meanMarginVsFixed! - 0.158 / 0.05) < 1e-12)
    }

    /// H = 2: the P&L spans two days and the last two dates are not observed.
    @Test func aLongerHorizonRevaluesHDaysLater() throws {
        let history = try Self.history()
        let backtest = try Backtest(history: history, template: Self.template, horizonDays: 2)
        #expect(backtest.observations.map(\.later) == Array(32...36))
        let result = try backtest.run(models: [.legacy(.fixedPercentage)])
        let s = history.closes[0]
        #expect(abs(result.pnl[0] - Self.q * (s[32] - s[30])) < 1e-9 * s[30])
    }

    @Test func inputsOutOfRangeNameTheOption() throws {
        let history = try Self.history()
        #expect(throws: InputError.self) { try Backtest(history: history, template: Self.template, horizonDays: 0) }
        do {
            _ = try Backtest(history: history, template: Self.template, coverage: 1)
        } catch {
            #expect(error.path == "--coverage")
        }
        let eth = BookTemplate(account: "x", balances: ["ETH": 1], legs: [])
        do {
            _ = try Backtest(history: history, template: eth)
            Issue.record("an underlying without prices was accepted")
        } catch {
            #expect(error.path == "$.balances.ETH")
        }
    }

    /// An ATM straddle rolled daily: the P&L is the straddle revalued a day later at the next day's vol, an option
    /// whose tenor is shorter than H is worth its intrinsic value at t + H.
    @Test func optionsAreRevaluedAtTheLaterMarket() throws {
        let history = try Self.history()
        let call = Position(instrument: Instrument(underlying: "BTC", kind: .option(
            OptionContract(expiry: Instant(secondsSinceEpoch: 0), strike: 1, right: .call)), settlement: .linear),
                            size: -1)
        let template = BookTemplate(account: "c", legs: [.init(position: call, moneyness: 1, tenorDays: 0.5)])
        let backtest = try Backtest(history: history, template: template)
        let result = try backtest.run(models: [.legacy(.fixedPercentage)])
        let s = history.closes[0]
        let markets = BacktestMarkets(history: history)
        let sigma = markets.vols[0][30]!
        let t = 0.5 / 365
        let premium = Black76.price(forward: s[30], strike: s[30], years: t, vol: sigma, rate: 0, right: .call)
        #expect(abs(result.pnl[0] - (premium - max(s[31] - s[30], 0))) < 1e-6)
    }
}
