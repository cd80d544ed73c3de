import MarginCore
import Testing

@Suite struct RiskParametersDecodingTests {
    typealias F = InputTestFixture

    private func error(_ text: String) -> InputError? {
        F.error { () throws(InputError) in try RiskParameters(jsonText: text) }
    }

    @Test func referenceFileIsTheReferenceSet() throws {
        let p = try RiskParameters(jsonText: F.text("params-reference.json"))
        #expect(p == RiskParameters.reference)
        #expect(p == RiskParameters())
        // And the reference values are the specification's.
        #expect(p.name == "reference")
        #expect(p.priceRange == 0.15)
        #expect(p.pricePoints == 21)
        #expect(p.volShifts == [-0.30, 0, 0.30])
        #expect(p.timeShiftsDays == [0, 1])
        #expect(p.extremeMultiple == 3)
        #expect(p.extremeCoverage == 0.35)
        #expect(p.shortOptionMinimumRate == 0.005)
        #expect(p.rollShift == 0.01)
        #expect(p.futuresLiquidationRate == 0.0005)
        #expect(p.optionsNotionalLiquidationRate == 0.0005)
        #expect(p.optionsValueLiquidationRate == 0.05)
        #expect(p.initialToMaintenance == 1.3)
        #expect(p.takeoverRatio == 0.5)
        #expect(p.correlationMode == .sum)
        #expect(p.correlationStress == 0.10)
        #expect(p.minVol == 0.01)
        // 21 moves from −15% to +15% in steps of 1.5%; one day is 1/365 year.
        #expect(p.priceMoves.count == 21)
        #expect(p.priceMoves.first == -0.15 && p.priceMoves.last == 0.15 && p.priceMoves[10] == 0)
        #expect(abs(p.priceMoves[11] - 0.015) < 1e-15)
        #expect(p.timeShiftsYears == [0, 1.0 / 365])
    }

    @Test func emptyFileIsTheReferenceSet() throws {
        #expect(try RiskParameters(jsonText: "{}") == .reference)
        #expect(try RiskParameters(jsonText: #"{"liquidationCost": {}}"#) == .reference)
        // `null` means absent.
        #expect(try RiskParameters(jsonText: #"{"priceRange": null, "minVol": null}"#) == .reference)
    }

    @Test func partialFilesOverrideOnlyWhatTheyGive() throws {
        let p = try RiskParameters(jsonText: #"""
            {"name": "wide", "priceRange": 0.2, "pricePoints": 11, "liquidationCost": {"optionsValueRate": 0.1},
             "correlationMode": "correlated", "timeShiftsDays": [0, 0.5, 2]}
            """#)
        var expected = RiskParameters.reference
        expected.name = "wide"
        expected.priceRange = 0.2
        expected.pricePoints = 11
        expected.optionsValueLiquidationRate = 0.1
        expected.correlationMode = .correlated
        expected.timeShiftsDays = [0, 0.5, 2]
        #expect(p == expected)
        #expect(p.futuresLiquidationRate == 0.0005)  // its siblings keep the reference
        let moves: [Double] = [-0.2, -0.16, -0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12, 0.16, 0.2]
        #expect(p.priceMoves.count == 11)
        #expect(zip(p.priceMoves, moves).allSatisfy { abs($0 - $1) < 1e-15 })
        // Over another base, absent fields keep that base.
        let base = p
        let q = try RiskParameters(json: JSONNode.parse(#"{"minVol": 0.05}"#), base: base)
        var expectedQ = base
        expectedQ.minVol = 0.05
        #expect(q == expectedQ)
    }

    @Test func boundsAreInclusiveWhereDocumented() throws {
        let p = try RiskParameters(jsonText: #"""
            {"pricePoints": 3, "extremeMultiple": 1, "extremeCoverage": 1, "shortOptionMinimumRate": 0,
             "rollShift": 0, "initialToMaintenance": 1, "takeoverRatio": 0, "correlationStress": 1,
             "liquidationCost": {"futuresRate": 0, "optionsNotionalRate": 0, "optionsValueRate": 0},
             "timeShiftsDays": [0, 366], "volShifts": [-0.99, 9.99]}
            """#)
        #expect(p.pricePoints == 3 && p.extremeMultiple == 1 && p.takeoverRatio == 0)
        #expect(try RiskParameters(jsonText: #"{"pricePoints": 201, "initialToMaintenance": 10}"#).pricePoints == 201)
        #expect(try RiskParameters(jsonText: #"{"pricePoints": 21.0}"#).pricePoints == 21)
    }

    /// Each field, a value outside its domain, and the path the error must name.
    static let outOfRange: [(String, String)] = [
        (#"{"priceRange": 0}"#, "$.priceRange"),
        (#"{"priceRange": 1}"#, "$.priceRange"),
        (#"{"priceRange": -0.15}"#, "$.priceRange"),
        (#"{"pricePoints": 20}"#, "$.pricePoints"),
        (#"{"pricePoints": 1}"#, "$.pricePoints"),
        (#"{"pricePoints": 203}"#, "$.pricePoints"),
        (#"{"pricePoints": 21.5}"#, "$.pricePoints"),
        (#"{"pricePoints": 1e300}"#, "$.pricePoints"),
        (#"{"pricePoints": -21}"#, "$.pricePoints"),
        (#"{"volShifts": []}"#, "$.volShifts"),
        (#"{"volShifts": [-0.3, -1]}"#, "$.volShifts[1]"),
        (#"{"volShifts": [0, 10]}"#, "$.volShifts[1]"),
        (#"{"volShifts": [0, "x"]}"#, "$.volShifts[1]"),
        (#"{"timeShiftsDays": []}"#, "$.timeShiftsDays"),
        (#"{"timeShiftsDays": [-1]}"#, "$.timeShiftsDays[0]"),
        (#"{"timeShiftsDays": [0, 367]}"#, "$.timeShiftsDays[1]"),
        (#"{"extremeMultiple": 0.5}"#, "$.extremeMultiple"),
        (#"{"extremeMultiple": 7}"#, "$.extremeMultiple"),  // 7 × 0.15 ≥ 1
        (#"{"priceRange": 0.5, "extremeMultiple": 2}"#, "$.extremeMultiple"),
        (#"{"extremeCoverage": 1.01}"#, "$.extremeCoverage"),
        (#"{"extremeCoverage": -0.35}"#, "$.extremeCoverage"),
        (#"{"shortOptionMinimumRate": 1}"#, "$.shortOptionMinimumRate"),
        (#"{"shortOptionMinimumRate": -0.005}"#, "$.shortOptionMinimumRate"),
        (#"{"rollShift": 1}"#, "$.rollShift"),
        (#"{"rollShift": -0.01}"#, "$.rollShift"),
        (#"{"liquidationCost": {"futuresRate": -0.0005}}"#, "$.liquidationCost.futuresRate"),
        (#"{"liquidationCost": {"optionsNotionalRate": 1}}"#, "$.liquidationCost.optionsNotionalRate"),
        (#"{"liquidationCost": {"optionsValueRate": 5}}"#, "$.liquidationCost.optionsValueRate"),
        (#"{"liquidationCost": 0.05}"#, "$.liquidationCost"),
        (#"{"initialToMaintenance": 0.99}"#, "$.initialToMaintenance"),
        (#"{"initialToMaintenance": 11}"#, "$.initialToMaintenance"),
        (#"{"takeoverRatio": 1.5}"#, "$.takeoverRatio"),
        (#"{"takeoverRatio": -0.5}"#, "$.takeoverRatio"),
        (#"{"correlationMode": "none"}"#, "$.correlationMode"),
        (#"{"correlationMode": 1}"#, "$.correlationMode"),
        (#"{"correlationStress": 1.1}"#, "$.correlationStress"),
        (#"{"correlationStress": -0.1}"#, "$.correlationStress"),
        (#"{"minVol": 0}"#, "$.minVol"),
        (#"{"minVol": 10}"#, "$.minVol"),
        (#"{"minVol": "1%"}"#, "$.minVol"),
        (#"{"name": 7}"#, "$.name"),
        (#"{"priceRange": "0.15"}"#, "$.priceRange"),
        (#"{"volShifts": 0.3}"#, "$.volShifts"),
        ("[]", "$"),
        ("0.15", "$"),
    ]

    @Test(arguments: outOfRange)
    func outOfRangeFieldIsRejectedByName(_ text: String, _ path: String) {
        let e = error(text)
        #expect(e?.path == path, "\(text) gave \(String(describing: e))")
    }

    @Test func malformedFileIsMalformedJSON() {
        guard case .malformedJSON = error(#"{"priceRange": 0.15,}"#) else { Issue.record("accepted"); return }
        #expect(error(#"{"minVol": 0.01, "minVol": 0.02}"#) == .duplicateKey(path: "$", key: "minVol"))
    }
}
