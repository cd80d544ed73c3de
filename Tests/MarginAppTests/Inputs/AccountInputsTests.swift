import MarginApp
import MarginCore
import MarginTestSupport
import MarginVenues
import Testing

/// Loading files into a market, an account and a method: every error names the option, the file and the field.
@Suite struct AccountInputsTests {
    @Test func aMissingFileIsNamedWithItsOption() {
        #expect(throws: InputError.invalid(path: "--market /nonexistent/m.json", reason: "file not found or unreadable")) {
            _ = try AccountInputs.load(market: "/nonexistent/m.json", portfolio: ExampleFiles.path("covered-call.json"))
        }
    }

    @Test func anUnknownPresetListsTheKnownOnes() {
        do {
            _ = try AccountInputs.load(market: ExampleFiles.path("market.json"),
                                       portfolio: ExampleFiles.path("covered-call.json"), preset: "nasdaq")
            Issue.record("expected an error")
        } catch {
            #expect(error.path == "--preset")
            #expect(error.description.contains("reference, deribit, span, okx"))
        }
    }

    @Test func correlationAppliesToTheReferencePresetOnly() throws {
        let loaded = try AccountInputs.load(market: ExampleFiles.path("market.json"),
                                            portfolio: ExampleFiles.path("cross-hedge.json"), correlation: .correlated)
        #expect(loaded.parameters.correlationMode == .correlated)
        #expect(throws: InputError.self) {
            _ = try AccountInputs.load(market: ExampleFiles.path("market.json"),
                                       portfolio: ExampleFiles.path("cross-hedge.json"), preset: "okx",
                                       correlation: .correlated)
        }
    }

    @Test func aVenuePresetMarginsLegacyModelsOnTheReferenceParameters() throws {
        let loaded = try AccountInputs.load(market: ExampleFiles.path("market.json"),
                                            portfolio: ExampleFiles.path("covered-call.json"), preset: "span")
        #expect(loaded.preset.name == .span)
        #expect(loaded.parameters == .reference)
    }
}
