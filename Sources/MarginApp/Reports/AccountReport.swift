import MarginCore
import MarginVenues

/// The HTML risk report of one account (`margin report`, the API's report): the reference model explained, the
/// chosen preset against the legacy models, and the venue preset's section when one was chosen.
public struct AccountReport: Sendable {
    /// The self-contained HTML document.
    public var html: String
    /// The chosen preset's summary (in its margin currency).
    public var summary: MarginSummary

    /// Computes the report of `inputs`.
    ///
    /// - Throws: ``InputError`` when the account cannot be margined.
    public init(_ inputs: AccountInputs) throws(InputError) {
        let report = try inputs.calculator.margin(of: inputs.portfolio, market: inputs.market, explain: true)
        let comparison = try VenueComparison(portfolio: inputs.portfolio, market: inputs.market,
                                             presets: [inputs.preset], legacy: inputs.parameters)
        var venue: VenueMarginResult?
        summary = MarginSummary(report)
        if case .reference = inputs.preset {} else {
            let result = try inputs.preset.margin(of: inputs.portfolio, market: inputs.market)
            venue = result
            summary = MarginSummary(result)
        }
        html = HTMLReport(report: report, comparison: comparison, venue: venue,
                          valuationTime: inputs.market.valuationTime).html
    }
}
