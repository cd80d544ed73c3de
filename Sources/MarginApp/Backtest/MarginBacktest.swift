import Foundation
import MarginCore
import MarginVenues

/// The backtest use-case every front end shares (`margin backtest`, `POST /v1/backtest`, `margin-bench backtest`):
/// the inputs' template margined on every day of the history under each model named, and its statistics.
public struct MarginBacktest: Sendable {
    public var inputs: BacktestInputs
    public var backtest: Backtest
    /// The models run, in report order.
    public var modelNames: [String]

    /// - Throws: ``InputError`` at `--horizon-days`, `--coverage`, `--models`, or naming the template's field
    ///   (``Backtest/init(history:template:horizonDays:coverage:)``).
    /// - Parameter bookLabel: prefixed to an error naming the template's field (`--book straddle.json`).
    public init(inputs: BacktestInputs, horizonDays: Int = 1, coverage: Double = 0.99,
                models: [String] = BacktestModels.defaults, modelsPath: String = "--models", bookLabel: String = "")
        throws(InputError)
    {
        self.inputs = inputs
        modelNames = try BacktestModels.validated(models, path: modelsPath)
        do {
            backtest = try Backtest(history: inputs.history, template: inputs.template, horizonDays: horizonDays,
                                    coverage: coverage)
        } catch {
            throw error.path.hasPrefix("$") ? BacktestInputs.prefixed(error, bookLabel) : error
        }
    }

    /// Days × models to compute, for progress and limits.
    public var workUnits: Int { backtest.observations.count * modelNames.count }

    /// Runs every model (``Backtest/run(models:calculator:progress:)``).
    public func run(progress: ((Int, Int) -> Void)? = nil) throws(InputError) -> BacktestResult {
        let calculator = MarginCalculator(parameters: inputs.parameters)
        let models = BacktestModels.models(modelNames, presets: inputs.presets, calculator: calculator)
        return try backtest.run(models: models, calculator: calculator, progress: progress)
    }

    /// The smallest `priceRange` at which the portfolio model reaches the coverage with Kupiec accepting
    /// (``PriceRangeCalibration``).
    public func calibratePriceRange(progress: ((Int, Int) -> Void)? = nil) throws(InputError) -> PriceRangeCalibration {
        try PriceRangeCalibration(backtest: backtest, parameters: inputs.parameters, progress: progress)
    }
}

extension MarginBacktest {
    /// The most history rows a service request may send (ten years of days and a margin).
    public static let maxServiceRows = 4_000
    /// The most template legs a service request may send.
    public static let maxServiceLegs = 200

    /// Decodes a service request: `{"history": CSV text, "underlying"?, "carryForward"?, "book": template, "parameters"?,
    /// "horizonDays"?, "coverage"?, "models"?: [names]}`, bounded to ``maxServiceRows`` rows and ``maxServiceLegs``
    /// legs.
    ///
    /// - Throws: ``InputError`` naming the JSON path (`$.history: line 7, column 1: …`, `$.book.positions[0]…`).
    public init(request root: JSONNode) throws(InputError) {
        let historyNode = try root.required("history")
        let csv = try historyNode.string()
        let underlyingNode = try root.optional("underlying")
        let underlying = try underlyingNode?.string()
        let inputs: BacktestInputs
        do {
            let carryForward = try root.optional("carryForward")?.bool() ?? false
            inputs = try BacktestInputs(historyCSV: csv, underlying: underlying, carryForward: carryForward,
                                        template: root.required("book"),
                                        parameters: root.optional("parameters"),
                                        prefixes: (historyNode.path, "", ""))
        } catch where error.path == "--underlying" {
            throw InputError.invalid(path: underlyingNode?.path ?? "$.underlying",
                                     reason: error.description.replacingOccurrences(of: "--underlying: ", with: ""))
        }
        guard inputs.history.dates.count <= Self.maxServiceRows else {
            throw InputError.invalid(path: historyNode.path,
                                     reason: "has \(inputs.history.dates.count) rows; at most \(Self.maxServiceRows)")
        }
        guard inputs.template.legs.count <= Self.maxServiceLegs else {
            throw InputError.invalid(path: "$.book.positions",
                                     reason: "has \(inputs.template.legs.count) positions; at most \(Self.maxServiceLegs)")
        }
        let horizon = try root.optional("horizonDays")?.integer() ?? 1
        let coverage = try root.optional("coverage")?.double() ?? 0.99
        let models = try root.optional("models")?.array().map { (n) throws(InputError) in try n.string() }
        do {
            try self.init(inputs: inputs, horizonDays: horizon, coverage: coverage,
                          models: models ?? BacktestModels.defaults, modelsPath: "$.models", bookLabel: "$.book")
        } catch {
            let fields = ["--horizon-days": "$.horizonDays", "--coverage": "$.coverage", "--history": "$.history"]
            guard let field = fields[error.path] else { throw error }
            throw InputError.invalid(path: field, reason: error.description.replacingOccurrences(of: "\(error.path): ", with: ""))
        }
    }
}
