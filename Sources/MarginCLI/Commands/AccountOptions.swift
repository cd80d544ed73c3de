import ArgumentParser
import MarginCore

extension RiskParameters.CorrelationMode: ExpressibleByArgument {}

/// The inputs every account command shares: market, portfolio, parameters, correlation mode, format.
struct AccountOptions: ParsableArguments {
    @Option(help: "Market snapshot JSON (format of shared/examples/market.json).") var market: String
    @Option(help: "Account JSON (format of shared/examples/portfolio.json).") var portfolio: String
    @Option(help: "Margin method: reference (MARGIN_MODEL.md, the default), deribit, span or okx (VENUE_PRESETS.md).")
    var preset: String?
    @Option(help: "Risk parameter file; absent fields keep the preset's values (built in).") var params: String?
    @Option(help: "sum (no offsets between underlyings) or correlated; overrides the parameter file.")
    var correlation: RiskParameters.CorrelationMode?
    @Option(help: "table or json.") var format: OutputFormat = .table

    /// Loaded, validated inputs.
    struct Loaded {
        var market: MarketSnapshot
        var portfolio: Portfolio
        var calculator: MarginCalculator
        /// The chosen preset (`reference` unless `--preset` or the parameter file says otherwise).
        var venue: VenuePreset
    }

    func load() throws -> Loaded {
        let snapshot = try decode("--market", market) { (n) throws(InputError) in try MarketSnapshot(json: n) }
        let account = try decode("--portfolio", portfolio) { (n) throws(InputError) in try Portfolio(json: n) }
        let venue = try PresetLoading.preset(name: preset, params: params, correlation: correlation)
        var parameters = RiskParameters.reference
        if case .reference(let p) = venue { parameters = p }
        do {
            try account.validate(against: snapshot)
        } catch {
            throw error.prefixed("--portfolio \(portfolio)")
        }
        return Loaded(market: snapshot, portfolio: account, calculator: MarginCalculator(parameters: parameters),
                      venue: venue)
    }
}

/// Reads and decodes a JSON file; errors carry the option and file name.
func decode<T>(_ option: String, _ path: String, _ body: (JSONNode) throws(InputError) -> T) throws -> T {
    let node = try readJSON(path, option: option)
    do {
        return try body(node)
    } catch {
        throw error.prefixed("\(option) \(path)")
    }
}
