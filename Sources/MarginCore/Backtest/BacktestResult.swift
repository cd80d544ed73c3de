/// A backtest's outcome: the observations' dates and P&L, and per model its margins and statistics.
public struct BacktestResult: Sendable {
    /// One model's margins and figures.
    public struct Model: Sendable {
        public var name: String
        /// Maintenance margin per observation, USD.
        public var margins: [Double]
        public var statistics: BacktestStatistics
    }

    /// Observation dates (day t), as printed.
    public var dates: [String]
    /// P&L of the book from day t to t + H per observation, USD (loss = −P&L).
    public var pnl: [Double]
    public var models: [Model]
    public var horizonDays: Int
    public var coverage: Double
    /// Per underlying: `implied` or `riskMetrics` (the proxy).
    public var volSources: [String]
    public var underlyings: [String]
    /// Dates whose `null` prices took the previous day's (``PriceHistory/carriedForwardLines``).
    public var carriedForwardDates: [String] = []

    /// Loss per observation, USD: `−P&L`.
    public var losses: [Double] { pnl.map { -$0 } }

    /// Computes each model's statistics (``BacktestStatistics``), relative to `fixedPercentage` when it is run.
    ///
    /// - Precondition: every model has one margin per date; at least one date.
    public init(dates: [String], pnl: [Double], models: [(name: String, margins: [Double])], horizonDays: Int,
                coverage: Double, volSources: [String], underlyings: [String]) {
        self.dates = dates
        self.pnl = pnl
        self.horizonDays = horizonDays
        self.coverage = coverage
        self.volSources = volSources
        self.underlyings = underlyings
        let losses = pnl.map { -$0 }
        let fixed = models.first { $0.name == LegacyModel.fixedPercentage.rawValue }
            .map { $0.margins.reduce(0, +) / Double(max($0.margins.count, 1)) }
        self.models = models.map { m in
            Model(name: m.name, margins: m.margins,
                  statistics: BacktestStatistics(losses: losses, margins: m.margins, dates: dates, coverage: coverage,
                                                 fixedMeanMargin: fixed))
        }
    }

    /// The model named `name`.
    public func model(_ name: String) -> Model? { models.first { $0.name == name } }
}
