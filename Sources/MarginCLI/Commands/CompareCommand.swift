import ArgumentParser
import Foundation
import MarginCore

/// `margin compare`: the same account under portfolio margin and the three legacy models.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "One account under portfolio margin and the legacy models, with the capital portfolio margin saves.")

    @OptionGroup var options: AccountOptions
    @Flag(help: "Every venue preset (reference, deribit, span, okx) beside the legacy models, and what binds at each.")
    var venues = false

    func run() throws {
        if venues {
            guard options.preset == nil else {
                throw InputError.invalid(path: "--preset", reason: "--venues compares every preset; drop --preset")
            }
            let loaded = try options.load()
            let presets = try PresetLoading.allPresets(params: options.params, correlation: options.correlation)
            let comparison = try VenueComparison(portfolio: loaded.portfolio, market: loaded.market, presets: presets,
                                                 legacy: loaded.calculator.parameters)
            switch options.format {
            case .json: print(comparison.json.serialized())
            case .table: print(comparison.table)
            }
            return
        }
        let loaded = try options.load()
        let comparison = try ModelComparison(loaded)
        switch options.format {
        case .json: print(comparison.json.serialized())
        case .table: print(comparison.table)
        }
    }
}

/// IM and MM of one account under every model, USD.
struct ModelComparison {
    var account: String
    var portfolio: ModelMargin
    var legacy: [ModelMargin]
    var equity: Double
    /// The preset of the `portfolio` row (its figures in USD).
    var preset: String

    init(_ loaded: AccountOptions.Loaded) throws {
        let calc = loaded.calculator
        let summary = try loaded.venue.summary(of: loaded.portfolio, market: loaded.market).inUSD
        account = loaded.portfolio.account
        equity = summary.equity
        preset = summary.preset
        portfolio = ModelMargin(model: "portfolio", initialMargin: summary.initialMargin,
                                maintenanceMargin: summary.maintenanceMargin)
        let arrays = try calc.instrumentArrays(for: loaded.portfolio, market: loaded.market)
        legacy = try LegacyModel.allCases.map {
            try calc.legacyMargin($0, of: loaded.portfolio, market: loaded.market, arrays: arrays)
        }
    }

    var rows: [ModelMargin] { [portfolio] + legacy }

    var json: JSONValue {
        .object([
            ("account", .string(account)),
            ("preset", .string(preset)),
            ("marginCurrency", .string("USD")),
            ("equity", .double(equity)),
            ("models", .array(rows.map { m in
                .object([("model", .string(m.model)), ("initialMargin", .double(m.initialMargin)),
                         ("maintenanceMargin", .double(m.maintenanceMargin)),
                         ("savedByPortfolioIM", .double(m.initialMargin - portfolio.initialMargin))])
            })),
        ])
    }

    var table: String {
        "Account \(account)   preset \(preset)   equity \(formatNumber(equity)) USD\n\n"
            + renderTable(["model", "IM (USD)", "MM (USD)", "IM saved by portfolio", "saved %"], rows.map { m in
                let saved = m.initialMargin - portfolio.initialMargin
                let pct = m.initialMargin > 0 ? String(format: "%.1f%%", 100 * saved / m.initialMargin) : "-"
                return [m.model, formatNumber(m.initialMargin), formatNumber(m.maintenanceMargin),
                        m.model == "portfolio" ? "" : formatNumber(saved), m.model == "portfolio" ? "" : pct]
            })
    }
}
