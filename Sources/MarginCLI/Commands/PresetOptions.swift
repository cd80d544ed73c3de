import ArgumentParser
import MarginCore

/// Loading of the `--preset NAME` option and the figures every account command needs from either margin engine:
/// the reference model (``MarginCalculator``, the default) or a venue preset (VENUE_PRESETS.md).
enum PresetLoading {
    /// The preset chosen by `--preset` (else the parameter file's `"preset"`, else `reference`), tuned by the
    /// parameter file, with `--correlation` applied to the reference preset.
    ///
    /// - Throws: ``InputError`` naming `--preset`, the `--params` field, or `--correlation` when it is given for a
    ///   venue preset (it applies to the reference model only).
    static func preset(name: String?, params: String?, correlation: RiskParameters.CorrelationMode?) throws
        -> VenuePreset
    {
        let chosen = try name.map { (text) throws(InputError) in try VenuePreset.name(text, path: "--preset") }
        var preset = VenuePreset(chosen ?? .reference)
        if let params {
            preset = try decode("--params", params) { (n) throws(InputError) in try VenuePreset(json: n, preset: chosen)
            }
        }
        if let correlation {
            guard case .reference(var p) = preset else {
                throw InputError.invalid(
                    path: "--correlation",
                    reason: "applies to the reference preset only, not \"\(preset.name.rawValue)\"")
            }
            p.correlationMode = correlation
            preset = .reference(p)
        }
        return preset
    }

    /// Every preset for `compare --venues`, each tuned by its section of the parameter file (see
    /// ``VenuePreset/all(json:)``), `--correlation` applied to the reference.
    static func allPresets(params: String?, correlation: RiskParameters.CorrelationMode?) throws -> [VenuePreset] {
        let node = try params.map { try readJSON($0, option: "--params") }
        var presets: [VenuePreset]
        do {
            presets = try VenuePreset.all(json: node)
        } catch {
            throw error.prefixed("--params \(params ?? "")")
        }
        if let correlation, case .reference(var p) = presets.first {
            p.correlationMode = correlation
            presets[0] = .reference(p)
        }
        return presets
    }
}

/// IM, MM, equity and health of one account under the chosen preset, in its margin currency.
struct MarginSummary {
    var preset: String
    var marginCurrency: String
    /// USD per unit of `marginCurrency`.
    var currencyUSD: Double
    var initialMargin: Double
    var maintenanceMargin: Double
    var equity: Double
    var health: Health

    init(_ r: MarginReport) {
        preset = "reference"
        marginCurrency = "USD"
        currencyUSD = 1
        initialMargin = r.initialMargin
        maintenanceMargin = r.maintenanceMargin
        equity = r.equity
        health = r.health
    }

    init(_ r: VenueMarginResult) {
        preset = r.preset
        marginCurrency = r.marginCurrency
        currencyUSD = r.marginCurrencyUSD
        initialMargin = r.initialMargin
        maintenanceMargin = r.maintenanceMargin
        equity = r.equity
        health = r.health
    }

    /// The same figures in USD.
    var inUSD: MarginSummary {
        var s = self
        s.marginCurrency = "USD"
        s.currencyUSD = 1
        s.initialMargin *= currencyUSD
        s.maintenanceMargin *= currencyUSD
        s.equity *= currencyUSD
        return s
    }

    var json: JSONValue {
        .object([
            ("preset", .string(preset)), ("marginCurrency", .string(marginCurrency)),
            ("initialMargin", .double(initialMargin)), ("maintenanceMargin", .double(maintenanceMargin)),
            ("equity", .double(equity)), ("health", .string(health.rawValue)),
        ])
    }
}

extension VenuePreset {
    /// The account's summary: the reference model's report when this is the reference preset, else the venue's.
    func summary(of portfolio: Portfolio, market: MarketSnapshot) throws -> MarginSummary {
        if case .reference(let p) = self {
            return MarginSummary(
                try MarginCalculator(parameters: p).margin(of: portfolio, market: market, explain: false))
        }
        return MarginSummary(try margin(of: portfolio, market: market))
    }
}

extension JSONValue {
    /// An object with `fields` inserted after the key `after` (at the end when absent); other values unchanged.
    func inserting(_ fields: [(key: String, value: JSONValue)], after: String) -> JSONValue {
        guard case .object(var pairs) = self else { return self }
        let at = pairs.firstIndex { $0.key == after }.map { $0 + 1 } ?? pairs.count
        pairs.insert(contentsOf: fields, at: at)
        return .object(pairs)
    }
}
