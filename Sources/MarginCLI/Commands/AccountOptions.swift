import ArgumentParser
import MarginApp
import MarginCore

extension RiskParameters.CorrelationMode: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}

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

    /// The loaded, validated inputs (``AccountInputs/load(market:portfolio:preset:params:correlation:)``).
    func load() throws(InputError) -> AccountInputs {
        try AccountInputs.load(market: market, portfolio: portfolio, preset: preset, params: params,
                               correlation: correlation)
    }
}
