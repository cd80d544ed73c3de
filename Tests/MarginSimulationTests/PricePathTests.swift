import MarginCore
import MarginSimulation
import Testing

/// The crash scenarios' paths and the CSV path reader.
@Suite struct PricePathTests {
    /// march-2020: −39% at the bottom of the day (the anchor at 22 h), vol doubled there, ending at −38%; the
    /// noise never takes a step more than a few percent off the shape, and the path is the same for a seed.
    @Test func march2020FallsThirtyNinePercentWithVolDoubling() throws {
        let path = CrashScenario.march2020.path()
        #expect(path.steps.count == 24 * 12 + 1)
        #expect(path.steps.first?.index == ["BTC": 1, "ETH": 1])
        let bottom = try #require(path.steps.first { $0.seconds == 22 * 3_600 })
        #expect(abs(try #require(bottom.index["BTC"]) - 0.61) < 0.03)
        #expect(abs(try #require(bottom.vol["BTC"]) - 2.0) < 0.01)
        // Each leg breaks in one 5-minute candle: −13% at 11:00, −15% at 22:00 (noise a few percent at most).
        for (hour, factor) in [(11, 0.80 / 0.92), (22, 0.61 / 0.72)] {
            let before = try #require(path.steps.first { $0.seconds == Int64(hour * 3_600 - 300) }?.index["BTC"])
            let after = try #require(path.steps.first { $0.seconds == Int64(hour * 3_600) }?.index["BTC"])
            #expect(abs(after / before - factor) < 0.02, "the gap at \(hour):00")
        }
        let end = try #require(path.steps.last)
        #expect(end.index["BTC"] == 0.62, "pinned to the last anchor")
        #expect(try #require(end.index["ETH"]) < 0.62, "ETH falls further")
        #expect(path == CrashScenario.march2020.path(), "deterministic")
        #expect(path != CrashScenario.march2020.path(seed: 2))
    }

    @Test func everyScenarioStartsAtOneAndEndsAtItsLastAnchor() {
        let ends: [CrashScenario: Double] = [.march2020: 0.62, .threeDay50: 0.5, .squeeze25: 1.25, .slowBleed: 0.7]
        for s in CrashScenario.allCases {
            let path = s.path()
            #expect(path.steps.first?.index["BTC"] == 1)
            #expect(path.steps.last?.index["BTC"] == ends[s], "\(s)")
            #expect(zip(path.steps, path.steps.dropFirst()).allSatisfy { $0.seconds < $1.seconds })
        }
    }

    @Test func anUnknownScenarioListsTheKnownOnes() {
        #expect(throws: InputError.invalid(path: "--scenario", reason:
            "unknown scenario \"black-monday\" (known scenarios: march-2020, three-day-50, squeeze-25, slow-bleed)")) {
            _ = try CrashScenario.named("black-monday")
        }
    }

    /// A CSV path: factors relative to the first row; a vol column gives the vol factor, its absence keeps 1.
    @Test func aCSVPathGivesFactorsOfTheFirstRow() throws {
        let csv = """
            time,BTC,ETH,BTC.vol
            2020-03-12T00:00:00Z,8000,200,0.6
            2020-03-12T06:00:00Z,6000,150,0.9
            2020-03-12T12:00:00Z,4800,110,1.2
            """
        let path = try PricePath(csv: csv, name: "mar.csv")
        #expect(path.steps.map(\.seconds) == [0, 21_600, 43_200])
        #expect(path.steps[2].index == ["BTC": 0.6, "ETH": 0.55])
        #expect(path.steps[2].vol == ["BTC": 2, "ETH": 1])
        #expect(path.underlyings == ["BTC", "ETH"])
    }

    @Test func aCSVVolColumnWithoutItsIndexIsNamed() {
        #expect(throws: InputError.invalid(path: "line 1, column 3", reason: "SOL.vol has no SOL index column")) {
            _ = try PricePath(csv: "time,BTC,SOL.vol\n2020-03-12T00:00:00Z,8000,1\n", name: "x.csv")
        }
    }
}
