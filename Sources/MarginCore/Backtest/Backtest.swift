/// A margin backtest: a book template margined on every day of a price history and revalued H days later; an
/// exception is a day whose loss exceeds the margin.
///
/// Observations are the rows t from the 31st date (``BacktestMarkets/firstRow``) whose date has a row exactly H days
/// later (with H = 1 on a daily history: rows − 31 observations). For each model, `margin_t` is its maintenance margin
/// of the book instantiated on day t; `P&L_t` is ``BookRevaluation/pnl(of:from:to:)`` of that same book from day t's
/// market to day t+H's; an exception when `−P&L_t > margin_t`.
///
/// ```swift
/// let backtest = try Backtest(history: history, template: template, horizonDays: 1, coverage: 0.99)
/// let result = try backtest.run(models: [.portfolio(calculator), .legacy(.fixedPercentage)], calculator: calculator)
/// ```
public struct Backtest: Sendable {
    public let markets: BacktestMarkets
    public let template: BookTemplate
    /// H, days between the margin and the revaluation (≥ 1).
    public let horizonDays: Int
    /// C, the coverage the margin should reach (0.99).
    public let coverage: Double
    /// The observations: row of day t and row of t + H days.
    public let observations: [(day: Int, later: Int)]

    public var history: PriceHistory { markets.history }

    /// The domain of `--horizon-days`.
    public static let horizonDomain = 1...365
    /// The domain of `--coverage`: a margin's coverage from 50% to 99.9999%, so that the exception probability
    /// `p = 1 − C` is a binary number in [10⁻⁶, 0.5] (a coverage of 5·10⁻³²⁴ would make `p` exactly 1).
    public static let coverageDomain = NumberDomain.closed(0.5, 0.999_999, text: "a coverage in [0.5, 0.999999]")

    /// - Throws: ``InputError`` at `--horizon-days` or `--coverage` out of range; at `$.positions[i].underlying` or
    ///   `$.balances.X` for an underlying the history has no column for; at `--history` when no day has a date H
    ///   days later after the first 30 returns.
    public init(history: PriceHistory, template: BookTemplate, horizonDays: Int = 1, coverage: Double = 0.99)
        throws(InputError)
    {
        guard Self.horizonDomain.contains(horizonDays) else {
            throw InputError.invalid(path: "--horizon-days", reason: "must be an integer in [1, 365], got \(horizonDays)")
        }
        try Self.coverageDomain.check(coverage, path: "--coverage")
        for (currency, _) in template.balances.sorted(by: { $0.key < $1.key })
        where !Portfolio.stablecoins.contains(currency) && !history.names.contains(currency) {
            throw InputError.unknownUnderlying(path: "$.balances.\(currency)", name: currency)
        }
        for (i, leg) in template.legs.enumerated() where !history.names.contains(leg.position.instrument.underlying) {
            throw InputError.unknownUnderlying(path: "$.positions[\(i)].underlying",
                                               name: leg.position.instrument.underlying)
        }
        var observations: [(day: Int, later: Int)] = []
        if history.dates.count > BacktestMarkets.firstRow {
            for t in BacktestMarkets.firstRow..<history.dates.count {
                if let later = history.row(horizonDays, daysAfter: t) { observations.append((t, later)) }
            }
        }
        guard !observations.isEmpty else {
            throw InputError.invalid(
                path: "--history",
                reason: "has \(history.dates.count) dates: a backtest needs 31 dates and one \(horizonDays) day(s) after the 31st")
        }
        markets = BacktestMarkets(history: history)
        self.template = template
        self.horizonDays = horizonDays
        self.coverage = coverage
        self.observations = observations
    }

    /// Runs every model over every observation.
    ///
    /// - Parameters:
    ///   - calculator: computes the day's instrument arrays when a model reads them (the `portfolio` model's own).
    ///   - progress: called after each observation with (done, total).
    /// - Throws: ``InputError`` prefixed with the day (`2020-03-12: $.positions[0]…`) when a book cannot be margined
    ///   or revalued (a fixed expiry that has passed, for instance).
    public func run(models: [BacktestModel], calculator: MarginCalculator = MarginCalculator(),
                    progress: ((Int, Int) -> Void)? = nil) throws(InputError) -> BacktestResult {
        let readsArrays = models.contains { $0.readsArrays }
        var margins = models.map { _ in [Double]() }
        var pnl: [Double] = []
        pnl.reserveCapacity(observations.count)
        for (n, o) in observations.enumerated() {
            let label = history.label(o.day)
            do {
                let market = try markets.snapshot(row: o.day)
                let portfolio = template.portfolio(on: market.valuationTime, indices: markets.indices(row: o.day))
                let arrays = readsArrays ? try calculator.instrumentArrays(for: portfolio, market: market) : [:]
                let day = BacktestDay(portfolio: portfolio, market: market, arrays: arrays)
                for (m, model) in models.enumerated() { margins[m].append(try model.maintenanceMargin(day)) }
                pnl.append(try BookRevaluation.pnl(of: portfolio, from: market, to: markets.snapshot(row: o.later)))
            } catch {
                throw error.prefixed(label)
            }
            progress?(n + 1, observations.count)
        }
        let dates = observations.map { history.label($0.day) }
        var result = BacktestResult(dates: dates, pnl: pnl, models: zip(models, margins).map { ($0.name, $1) },
                              horizonDays: horizonDays, coverage: coverage, volSources: markets.volSources,
                              underlyings: history.names)
        result.carriedForwardDates = history.carriedForwardLines.compactMap { line in
            history.lines.firstIndex(of: line).map { history.label($0) }
        }
        return result
    }
}
