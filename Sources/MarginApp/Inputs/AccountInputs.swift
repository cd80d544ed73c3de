import MarginCore
import MarginVenues

/// The validated inputs of every account command: a market, an account, and the margin method.
///
/// ```swift
/// let inputs = try AccountInputs.load(market: "examples/market.json", portfolio: "examples/covered-call.json")
/// let summary = try inputs.preset.summary(of: inputs.portfolio, market: inputs.market)
/// ```
public struct AccountInputs: Sendable {
    public var market: MarketSnapshot
    public var portfolio: Portfolio
    /// The chosen preset (`reference` unless the caller or the parameter file says otherwise).
    public var preset: VenuePreset
    /// The reference model's parameters: the preset's own when it is the reference preset, else the built-in
    /// reference (the legacy models and the explanation run on these).
    public var parameters: RiskParameters

    public init(market: MarketSnapshot, portfolio: Portfolio, preset: VenuePreset) {
        self.market = market
        self.portfolio = portfolio
        self.preset = preset
        if case .reference(let p) = preset { parameters = p } else { parameters = .reference }
    }

    /// The reference model's calculator on ``parameters``.
    public var calculator: MarginCalculator { MarginCalculator(parameters: parameters) }

    /// Loads and validates the files: `market` (market.json format), `portfolio` (portfolio.json format), and the
    /// method (``PresetSelection/preset(name:params:correlation:)``); the portfolio is checked against the market.
    ///
    /// - Throws: ``InputError`` naming the option, the file and the JSON path (`--portfolio p.json: $.positions[2]…`).
    public static func load(market: String, portfolio: String, preset: String? = nil, params: String? = nil,
                            correlation: RiskParameters.CorrelationMode? = nil) throws(InputError) -> AccountInputs {
        let snapshot = try InputFile.decode(market, option: "--market") { (n) throws(InputError) in
            try MarketSnapshot(json: n)
        }
        let account = try InputFile.decode(portfolio, option: "--portfolio") { (n) throws(InputError) in
            try Portfolio(json: n)
        }
        let venue = try PresetSelection.preset(name: preset, params: params, correlation: correlation)
        do {
            try account.validate(against: snapshot)
        } catch {
            throw error.prefixed("--portfolio \(portfolio)")
        }
        return AccountInputs(market: snapshot, portfolio: account, preset: venue)
    }
}
