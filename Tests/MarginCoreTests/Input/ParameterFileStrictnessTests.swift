import MarginCore
import Testing

/// Issue items 5 and 9c: a parameter file is strict (an unknown key is an error naming its JSON path), and its
/// ranges are one table (`RiskParameters.domains`) that `validate()` reads and the decoder runs.
@Suite struct ParameterFileStrictnessTests {
    typealias F = InputTestFixture

    private func error(_ text: String) -> InputError? {
        F.error { () throws(InputError) in try RiskParameters(jsonText: text) }
    }

    @Test("an unknown key is an error naming the key with its JSON path, with the likely intended key")
    func unknownKeys() {
        #expect(error(#"{"priceRang": 0.2}"#)
                == .invalid(path: "$.priceRang", reason: "unknown key \"priceRang\"; did you mean \"priceRange\"?"))
        #expect(error(#"{"liquidationCost": {"futuresRat": 0.001}}"#)?.path == "$.liquidationCost.futuresRat")
        let far = error(#"{"margin": 1}"#)
        #expect(far?.path == "$.margin")
        #expect("\(String(describing: far))".contains("known keys: correlationMode"), "\(String(describing: far))")
        // A venue file's keys are not reference parameters.
        #expect(error(#"{"preset": "reference"}"#)?.path == "$.preset")
        // Every key of the reference file is known.
        #expect(error(F.text("params-reference.json")) == nil)
    }

    /// The decoder's range errors are `validate()`'s: the same table, the same path under `$`.
    @Test("validate() rejects, naming the same field, every out-of-range value the file decoder rejects",
          arguments: RiskParametersDecodingTests.outOfRange)
    func validateAgreesWithTheDecoder(_ text: String, _ path: String) throws {
        // Apply the file over the reference set without the decoder's checks: only the fields it names, by hand.
        guard case .invalid = error(text) else { return }  // type errors are the decoder's alone
        var p = RiskParameters.reference
        let root = try JSONNode.parse(text)
        guard case .object(let pairs) = root.value else { return }
        for (key, value) in pairs {
            guard case .number(let d, _) = value else {
                if key == "volShifts" || key == "timeShiftsDays", case .array(let items) = value {
                    let xs = items.compactMap { v -> Double? in if case .number(let x, _) = v { return x } else { return nil } }
                    guard xs.count == items.count else { return }
                    if key == "volShifts" { p.volShifts = xs } else { p.timeShiftsDays = xs }
                } else if key == "liquidationCost", case .object(let inner) = value {
                    for (k, v) in inner {
                        guard case .number(let x, _) = v else { return }
                        switch k {
                        case "futuresRate": p.futuresLiquidationRate = x
                        case "optionsNotionalRate": p.optionsNotionalLiquidationRate = x
                        default: p.optionsValueLiquidationRate = x
                        }
                    }
                } else {
                    return  // an enum or a string: the decoder's alone (no value of the struct is out of range)
                }
                continue
            }
            switch key {
            case "priceRange": p.priceRange = d
            case "pricePoints":
                guard d == d.rounded(), abs(d) < 1e15 else { return }  // not an integer: the decoder's type error
                p.pricePoints = Int(d)
            case "extremeMultiple": p.extremeMultiple = d
            case "extremeCoverage": p.extremeCoverage = d
            case "shortOptionMinimumRate": p.shortOptionMinimumRate = d
            case "rollShift": p.rollShift = d
            case "initialToMaintenance": p.initialToMaintenance = d
            case "takeoverRatio": p.takeoverRatio = d
            case "correlationStress": p.correlationStress = d
            case "minVol": p.minVol = d
            default: return
            }
        }
        let e = F.error { () throws(InputError) in try p.validate(path: "$") }
        #expect(e?.path == path, "\(text): \(String(describing: e))")
    }

    @Test("the range table covers every numeric field of the parameter file")
    func tableCoversTheFile() {
        let keys = Set(RiskParameters.domains.map(\.key))
        for key in ["priceRange", "volShifts[]", "timeShiftsDays[]", "extremeMultiple", "extremeCoverage",
                    "shortOptionMinimumRate", "rollShift", "liquidationCost.futuresRate",
                    "liquidationCost.optionsNotionalRate", "liquidationCost.optionsValueRate",
                    "initialToMaintenance", "takeoverRatio", "correlationStress", "minVol"] {
            #expect(keys.contains(key), "\(key)")
        }
        #expect(RiskParameters.pricePointsRange == 3...201)
    }

    @Test("a file that only widens priceRange cannot push the reference extreme move to −100% or beyond")
    func crossFieldRuleChecksTheResult() {
        // 3 × 0.4 = 1.2: the extreme scenarios would move prices by ∓120%, below zero. Caught although the file
        // gives only priceRange (it used to pass, and the margins were NaN).
        #expect(error(#"{"priceRange": 0.4}"#)?.path == "$.extremeMultiple")
        #expect(error(#"{"priceRange": 0.3}"#) == nil)
    }
}
