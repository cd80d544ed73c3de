import MarginApp
import MarginCore
import MarginTestSupport
import MarginVenues
import Testing

/// The comparison's reasons state the IM/MM relation of the parameters in force, not fixed numbers.
@Suite struct VenueComparisonReasonTests {
    @Test func reasonsReadTheRatiosFromTheParameters() throws {
        let inputs = try AccountInputs.load(market: ExampleFiles.path("market.json"),
                                            portfolio: ExampleFiles.path("covered-call.json"))
        var deribit = DeribitParameters.published
        deribit.mmFactor = 0.75
        var span = SpanParameters.defaults
        span.initialToMaintenance = 1.25
        var okx = OKXParameters.defaults
        okx.initialToMaintenance = 1.5
        var reference = RiskParameters.reference
        reference.initialToMaintenance = 1.4
        let comparison = try VenueComparison(
            portfolio: inputs.portfolio, market: inputs.market,
            presets: [.reference(reference), .deribit(deribit), .span(span), .okx(okx)], legacy: nil)
        let reasons = Dictionary(uniqueKeysWithValues: comparison.rows.map { ($0.name, $0.reason) })
        #expect(reasons["reference"]?.hasSuffix("IM = 1.4 × MM") == true)
        #expect(reasons["deribit"]?.hasSuffix("MM = 0.75 × IM") == true)
        #expect(reasons["span"]?.hasSuffix("IM = 1.25 × MM") == true)
        #expect(reasons["okx"]?.hasSuffix("IM = 1.5 × MM") == true)
        // The figures follow the same parameters: reference IM = 1.4 × MM.
        let row = try #require(comparison.rows.first { $0.name == "reference" })
        #expect(abs(row.initialMargin - 1.4 * row.maintenanceMargin) <= 1e-9 * row.initialMargin)
    }

    @Test func theDefaultsGiveThePublishedRatios() throws {
        let inputs = try AccountInputs.load(market: ExampleFiles.path("market.json"),
                                            portfolio: ExampleFiles.path("covered-call.json"))
        let comparison = try VenueComparison(portfolio: inputs.portfolio, market: inputs.market,
                                             presets: VenuePreset.Name.allCases.map { VenuePreset($0) }, legacy: nil)
        let reasons = comparison.rows.map(\.reason)
        #expect(reasons[0].hasSuffix("IM = 1.3 × MM"))
        #expect(reasons[1].hasSuffix("MM = 0.8 × IM"))
        #expect(reasons[2].hasSuffix("IM = 1.1 × MM"))
        #expect(reasons[3].hasSuffix("IM = 1.3 × MM"))
    }

    /// `compare` without `--venues` is the same comparison with one preset: its savings view.
    @Test func theSavingsViewIsTheComparisonsFirstPresetAgainstTheLegacyModels() throws {
        let inputs = try AccountInputs.load(market: ExampleFiles.path("market.json"),
                                            portfolio: ExampleFiles.path("market-maker-book.json"))
        let comparison = try VenueComparison(portfolio: inputs.portfolio, market: inputs.market,
                                             presets: [inputs.preset], legacy: inputs.parameters)
        let rows = comparison.savingsRows
        #expect(rows.map(\.model) == ["portfolio"] + LegacyModel.allCases.map { model in
            comparison.rows.first { $0.kind == "legacy" && $0.reason == VenueComparison.reason(model) }?.name ?? "?"
        })
        let report = try inputs.calculator.margin(of: inputs.portfolio, market: inputs.market, explain: false)
        #expect(rows[0].initialMargin == report.initialMargin)
        #expect(comparison.equityUSD == report.equity)
    }
}
