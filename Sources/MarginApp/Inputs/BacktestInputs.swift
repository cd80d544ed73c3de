import MarginCore
import MarginVenues

/// The validated inputs of a backtest (`margin backtest`, `POST /v1/backtest`): a price history, a book template and
/// the models' parameters.
///
/// ```swift
/// let inputs = try BacktestInputs.load(history: "btc.csv", underlying: "BTC", book: "straddle.json", parameters: nil)
/// ```
public struct BacktestInputs: Sendable {
    public var history: PriceHistory
    public var template: BookTemplate
    /// Every preset (reference, deribit, span, okx), each tuned by its part of the parameter file
    /// (``VenuePreset/all(json:)``).
    public var presets: [VenuePreset]

    public init(history: PriceHistory, template: BookTemplate, presets: [VenuePreset]) {
        self.history = history
        self.template = template
        self.presets = presets
    }

    /// The reference model's parameters (the `portfolio` model), correlation mode included.
    public var parameters: RiskParameters {
        for case .reference(let p) in presets { return p }
        return .reference
    }

    /// Decodes inputs given as text and JSON (the server's body).
    ///
    /// - Throws: ``InputError`` with its path under `prefixes` (`history`, `book`, `parameters`; none when empty).
    public init(historyCSV: String, underlying: String?, carryForward: Bool = false, template: JSONNode,
                parameters: JSONNode?,
                prefixes: (history: String, book: String, parameters: String)) throws(InputError) {
        do {
            history = try PriceHistory(csv: historyCSV, underlying: underlying, carryForward: carryForward)
        } catch {
            throw error.path == "--underlying" ? error : Self.prefixed(error, prefixes.history)
        }
        do {
            self.template = try BookTemplate(json: template)
        } catch {
            throw Self.prefixed(error, prefixes.book)
        }
        do {
            presets = try VenuePreset.all(json: parameters)
        } catch {
            throw Self.prefixed(error, prefixes.parameters)
        }
    }

    static func prefixed(_ error: InputError, _ prefix: String) -> InputError {
        prefix.isEmpty ? error : error.prefixed(prefix)
    }

    /// Loads the files: `history` (CSV, ``PriceHistory``; `carryForward`: `null` fields take the previous row's), `book` (a ``BookTemplate``), `parameters` (a parameter
    /// file; sections tune the venue presets).
    ///
    /// - Throws: ``InputError`` naming the option, the file and the line or JSON path
    ///   (`--history btc.csv: line 7, column 1: duplicate date 2020-01-06`).
    public static func load(history: String, underlying: String?, carryForward: Bool = false, book: String,
                            parameters: String?)
        throws(InputError) -> BacktestInputs
    {
        let csv = String(decoding: try InputFile.bytes(history, option: "--history"), as: UTF8.self)
        let template = try InputFile.json(book, option: "--book")
        let params = try parameters.map { (path) throws(InputError) in try InputFile.json(path, option: "--parameters") }
        return try BacktestInputs(historyCSV: csv, underlying: underlying, carryForward: carryForward, template: template,
                                  parameters: params,
                                  prefixes: ("--history \(history)", "--book \(book)", "--parameters \(parameters ?? "")"))
    }
}
