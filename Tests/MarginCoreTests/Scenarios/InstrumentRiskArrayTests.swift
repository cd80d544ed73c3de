import MarginCore
import Testing

/// `InstrumentRiskArray.revalue(_:in:scenarios:parameters:into:)`, the engine's allocation-free form, against the
/// value-type initializer, and its behaviour on bad input.
@Suite struct InstrumentRiskArrayTests {
    static let parameters = RiskParameters.reference
    static let scenarios = ScenarioSet(parameters: parameters)

    @Test("writing into a buffer gives the initializer's array and figures bit for bit, for every example instrument")
    func bufferEqualsInitializer() throws {
        let snapshot = try exampleMarket()
        var instruments: [Instrument] = []
        for name in ["market-maker-book", "inverse-mixed", "calendar-spread", "cross-hedge"] {
            instruments += try exampleBook(name).positions.map(\.instrument)
        }
        #expect(instruments.count > 60)
        for instrument in instruments {
            let market = try #require(snapshot.underlyings[instrument.underlying])
            let array = try InstrumentRiskArray(instrument: instrument, market: market, scenarios: Self.scenarios,
                                                parameters: Self.parameters)
            // A buffer longer than needed, pre-filled with a sentinel that must survive past the scenarios.
            var buffer = [Double](repeating: -7, count: Self.scenarios.count + 5)
            let figures = try buffer.withUnsafeMutableBufferPointer { out in
                try InstrumentRiskArray.revalue(instrument, in: market, scenarios: Self.scenarios,
                                                parameters: Self.parameters, into: out)
            }
            #expect(buffer.prefix(Self.scenarios.count).map(\.bitPattern) == array.pnl.map(\.bitPattern))
            #expect(buffer.suffix(5).allSatisfy { $0 == -7 })
            #expect(figures.valuation == array.valuation)
            #expect(figures.liquidationCostPerUnit.bitPattern == array.liquidationCostPerUnit.bitPattern)
            #expect(figures.shortOptionMinimumPerUnit.bitPattern == array.shortOptionMinimumPerUnit.bitPattern)
        }
    }

    @Test("an expired option throws, naming the expiry, and leaves the buffer untouched")
    func expiredLeavesBufferUntouched() throws {
        let snapshot = try exampleMarket()
        let market = try #require(snapshot.underlyings["BTC"])
        let expired = Instrument(underlying: "BTC",
                                 kind: .option(OptionContract(expiry: market.valuationTime.adding(seconds: -3_600),
                                                              strike: 90_000, right: .call)),
                                 settlement: .linear)
        var buffer = [Double](repeating: 3, count: Self.scenarios.count)
        #expect(throws: InputError.self) {
            _ = try buffer.withUnsafeMutableBufferPointer { out in
                try InstrumentRiskArray.revalue(expired, in: market, scenarios: Self.scenarios,
                                                parameters: Self.parameters, into: out)
            }
        }
        do {
            _ = try InstrumentRiskArray(instrument: expired, market: market, scenarios: Self.scenarios,
                                        parameters: Self.parameters)
            Issue.record("an expired option must not be priced")
        } catch {
            #expect("\(error)".contains("expiry"))
        }
        #expect(buffer.allSatisfy { $0 == 3 })
    }
}
