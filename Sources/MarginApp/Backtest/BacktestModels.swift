import Foundation
import MarginCore
import MarginVenues

/// The models a backtest can run, by name: `portfolio` (the reference model in the parameters' correlation mode),
/// the legacy models (`fixedPercentage`, `standardCross`, `isolated`) and the venue presets (`deribit`, `span`,
/// `okx`, their maintenance margin in USD).
public enum BacktestModels {
    /// The default list, in report order.
    public static let defaults = ["portfolio", "fixedPercentage", "standardCross", "deribit", "span", "okx"]
    /// Every name ``models(_:presets:path:)`` knows.
    public static let known = defaults + ["isolated"]

    /// Parses a comma-separated list (`portfolio,deribit`): names trimmed, none repeated.
    ///
    /// - Throws: ``InputError`` at `path` for an unknown or repeated name, or an empty list.
    public static func names(_ text: String, path: String = "--models") throws(InputError) -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        return try validated(names, path: path)
    }

    /// Checks a list of names: known, not repeated, not empty.
    public static func validated(_ names: [String], path: String) throws(InputError) -> [String] {
        guard !names.isEmpty else { throw InputError.invalid(path: path, reason: "names no model") }
        for (i, name) in names.enumerated() {
            guard known.contains(name) else {
                throw InputError.invalid(
                    path: path, reason: "unknown model \"\(name)\" (known: \(known.joined(separator: ", ")))")
            }
            guard !names[..<i].contains(name) else {
                throw InputError.invalid(path: path, reason: "\"\(name)\" is listed twice")
            }
        }
        return names
    }

    /// The models named, on `presets` (the reference preset's parameters drive `portfolio`).
    public static func models(_ names: [String], presets: [VenuePreset], calculator: MarginCalculator)
        -> [BacktestModel]
    {
        names.compactMap { name in
            if name == "portfolio" { return .portfolio(calculator) }
            if let legacy = LegacyModel(rawValue: name) { return .legacy(legacy, calculator: calculator) }
            guard let preset = presets.first(where: { $0.name.rawValue == name }) else { return nil }
            return BacktestModel(name: name) { (day) throws(InputError) in
                try preset.margin(of: day.portfolio, market: day.market).maintenanceMarginUSD
            }
        }
    }
}
