/// One margin model a backtest runs: its name (a report key) and its maintenance margin of the day's book, USD.
///
/// The core provides the reference model (``portfolio(_:)``) and the legacy models (``legacy(_:)``); a front end
/// adds venue presets with its own closure.
public struct BacktestModel: Sendable {
    /// The report key: `portfolio`, `fixedPercentage`, `standardCross`, `deribit`, …
    public var name: String
    /// Whether the closure reads ``BacktestDay/arrays`` (the reference calculator's instrument arrays).
    public var readsArrays: Bool
    /// The model's maintenance margin of the day's book, USD.
    public var maintenanceMargin: @Sendable (BacktestDay) throws(InputError) -> Double

    public init(name: String, readsArrays: Bool = false,
                maintenanceMargin: @escaping @Sendable (BacktestDay) throws(InputError) -> Double) {
        self.name = name
        self.readsArrays = readsArrays
        self.maintenanceMargin = maintenanceMargin
    }

    /// The reference model with the calculator's parameters (and correlation mode): `portfolio`.
    public static func portfolio(_ calculator: MarginCalculator) -> BacktestModel {
        BacktestModel(name: "portfolio", readsArrays: true) { (day) throws(InputError) in
            let arrays = try calculator.riskArrays(for: day.portfolio, market: day.market, arrays: day.arrays)
            return try calculator.requirement(arrays, correlations: day.market.correlations).maintenanceMargin
        }
    }

    /// A legacy model of MARGIN_MODEL.md (named by its raw value, e.g. `fixedPercentage`).
    public static func legacy(_ model: LegacyModel, calculator: MarginCalculator = MarginCalculator()) -> BacktestModel {
        BacktestModel(name: model.rawValue, readsArrays: model != .fixedPercentage) { (day) throws(InputError) in
            try calculator.legacyMargin(model, of: day.portfolio, market: day.market, arrays: day.arrays)
                .maintenanceMargin
        }
    }
}

/// What a model sees on one day of a backtest.
public struct BacktestDay: Sendable {
    /// The template instantiated on the day.
    public var portfolio: Portfolio
    /// The day's market (``BacktestMarkets/snapshot(row:)``).
    public var market: MarketSnapshot
    /// The reference calculator's instrument arrays of ``portfolio`` on the day; empty when no model reads them.
    public var arrays: [Instrument: InstrumentRiskArray]
}
