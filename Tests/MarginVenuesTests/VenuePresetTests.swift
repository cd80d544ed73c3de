import MarginCore
@testable import MarginVenues
import Testing

extension Venues {
    /// Presets: selection by name, parameter files, the reference preset's delegation, labelled approximations, JSON.
    @Suite struct VenuePresetTests {
        static let market = """
            {"valuationTime": "2026-01-09T08:00:00Z",
             "underlyings": {
               "BTC": {"index": 90000, "forwards": [{"expiry": "2026-01-30T08:00:00Z", "price": 90400},
                                                    {"expiry": "2026-03-27T08:00:00Z", "price": 91500}],
                       "volSurface": [{"expiry": "2026-01-30T08:00:00Z", "points": [
                           {"strike": 70000, "iv": 0.62}, {"strike": 90000, "iv": 0.50},
                           {"strike": 110000, "iv": 0.56}]},
                         {"expiry": "2026-03-27T08:00:00Z", "points": [
                           {"strike": 70000, "iv": 0.60}, {"strike": 90000, "iv": 0.53},
                           {"strike": 120000, "iv": 0.57}]}]},
               "ETH": {"index": 3100, "forwards": [{"expiry": "2026-03-27T08:00:00Z", "price": 3140}],
                       "volSurface": [{"expiry": "2026-03-27T08:00:00Z", "points": [
                           {"strike": 2500, "iv": 0.72}, {"strike": 3100, "iv": 0.66},
                           {"strike": 4000, "iv": 0.70}]}]}},
             "correlations": [{"pair": ["BTC", "ETH"], "rho": 0.85}]}
            """
        static let portfolio = """
            {"account": "covered-call-and-hedges", "balances": {"USDC": 250000, "BTC": 10},
             "positions": [
              {"kind": "option", "underlying": "BTC", "expiry": "2026-03-27T08:00:00Z", "strike": 100000,
               "right": "call", "quantity": -10, "settlement": "inverse"},
              {"kind": "option", "underlying": "BTC", "expiry": "2026-01-30T08:00:00Z", "strike": 80000, "right": "put",
               "quantity": 5, "settlement": "linear"},
              {"kind": "perpetual", "underlying": "BTC", "quantity": -2, "settlement": "linear", "entryPrice": 91000},
              {"kind": "future", "underlying": "BTC", "expiry": "2026-03-27T08:00:00Z", "notionalUSD": 100000,
               "settlement": "inverse"},
              {"kind": "future", "underlying": "ETH", "expiry": "2026-03-27T08:00:00Z", "quantity": -60,
               "settlement": "linear"}]}
            """

        static func example() throws -> (Portfolio, MarketSnapshot) {
            (try Portfolio(jsonText: portfolio), try MarketSnapshot(jsonText: market))
        }

        /// The reference preset gives exactly MarginCalculator's numbers (it delegates), in both correlation modes.
        @Test func referenceDelegates() throws {
            let (portfolio, market) = try Self.example()
            for mode in RiskParameters.CorrelationMode.allCases {
                var p = RiskParameters.reference
                p.correlationMode = mode
                let expected = try MarginCalculator(parameters: p).margin(of: portfolio, market: market)
                let result = try VenuePreset.reference(p).margin(of: portfolio, market: market)
                #expect(result.initialMargin == expected.initialMargin)
                #expect(result.maintenanceMargin == expected.maintenanceMargin)
                #expect(result.equity == expected.equity)
                #expect(result.health == expected.health)
                #expect(result.marginCurrency == "USD")
                #expect(result.approximations.isEmpty)
            }
        }

        /// Every preset margins the example book; amounts are finite and positive, IM ≥ MM.
        @Test func everyPresetOnTheExampleBook() throws {
            let (portfolio, market) = try Self.example()
            for name in VenuePreset.Name.allCases {
                let r = try VenuePreset(name).margin(of: portfolio, market: market)
                #expect(r.preset == name.rawValue)
                #expect(r.initialMarginUSD.isFinite && r.initialMarginUSD > 0, "\(name)")
                #expect(r.initialMargin >= r.maintenanceMargin, "\(name)")
                #expect(!r.units.isEmpty)
            }
        }

        /// Unknown preset: a clear error naming the option and listing the presets.
        @Test func unknownPreset() {
            #expect(
                throws: InputError.invalid(
                    path: "--preset",
                    reason: "unknown preset \"cme\" (known presets: reference, deribit, span, okx)")
            ) {
                try VenuePreset(named: "cme")
            }
            #expect(throws: InputError.self) { try VenuePreset(json: JSONNode.parse(#"{"preset": "bybit"}"#)) }
        }

        /// A parameter out of range: the error names the field.
        @Test func parameterOutOfRange() {
            #expect(throws: InputError.invalid(path: "$.pairs.BTC.priceRange", reason: "must be in (0, 1), got 1.5")) {
                try VenuePreset(json: JSONNode.parse(#"{"preset": "deribit", "pairs": {"BTC": {"priceRange": 1.5}}}"#))
            }
            #expect(throws: InputError.invalid(path: "$.mmFactor", reason: "must be in (0, 1], got 0.0")) {
                try VenuePreset(json: JSONNode.parse(#"{"preset": "deribit", "mmFactor": 0}"#), preset: .deribit)
            }
            #expect(throws: InputError.invalid(path: "$.span.volScanRange", reason: "must be in [0, 1), got -0.1")) {
                try VenuePreset(json: JSONNode.parse(#"{"span": {"volScanRange": -0.1}}"#), preset: .span)
            }
            #expect(
                throws: InputError.invalid(path: "$.preset", reason: "the file is for preset \"okx\", not \"deribit\"")
            ) {
                try VenuePreset(json: JSONNode.parse(#"{"preset": "okx"}"#), preset: .deribit)
            }
            #expect(
                throws: InputError.invalid(
                    path: "$",
                    reason: "a reference parameter file (no \"preset\" field, no "
                        + "\"span\" section) cannot tune preset \"span\"")
            ) {
                try VenuePreset(json: JSONNode.parse(#"{"priceRange": 0.1}"#), preset: .span)
            }
        }

        /// Parameter files override the preset's defaults, at the root or in a section named after the preset.
        @Test func parameterFileOverrides() throws {
            let file = try JSONNode.parse(
                """
                {"deribit": {"pairs": {"BTC": {"priceRange": 0.2}}, "currencies": {"BTC": {"pnlOffset": 0.5}}},
                 "okx": {"units": {"BTC": {"extremeMove": 0.3}}}}
                """)
            guard case .deribit(let d) = try VenuePreset(json: file, preset: .deribit) else {
                Issue.record("not a deribit preset")
                return
            }
            #expect(d.pair("BTC").priceRange == 0.2)
            #expect(d.pair("BTC").bucketsCount == 4)
            #expect(d.currency("BTC").pnlOffset == 0.5)
            #expect(d.pair("ETH") == .eth)
            guard case .okx(let o) = try VenuePreset(json: file, preset: .okx) else {
                Issue.record("not an okx preset")
                return
            }
            #expect(o.unit("BTC").extremeMove == 0.3)
            #expect(o.unit("BTC").priceMoves == [0, 0.04, 0.08, 0.12])
            // A reference-format file (no "preset") is the reference preset.
            guard case .reference(let r) = try VenuePreset(json: JSONNode.parse(#"{"priceRange": 0.1}"#)) else {
                Issue.record("not the reference preset")
                return
            }
            #expect(r.priceRange == 0.1)
            // For compare --venues: each preset takes its section, the reference the root, the others their defaults.
            let all = try VenuePreset.all(json: JSONNode.parse(#"{"priceRange": 0.1, "okx": {"thetaDays": 2}}"#))
            #expect(all.map(\.name) == VenuePreset.Name.allCases)
            #expect(
                all[0]
                    == .reference(
                        {
                            var p = RiskParameters.reference
                            p.priceRange = 0.1
                            return p
                        }()))
            #expect(all[1] == VenuePreset(.deribit))
            #expect(
                all[3]
                    == .okx(
                        {
                            var p = OKXParameters.defaults
                            p.thetaDays = 2
                            return p
                        }()))
        }

        /// VENUE_PRESETS.md's "(approximation)" items are labelled as such in the result and its JSON.
        @Test func approximationsAreLabelled() throws {
            let (portfolio, market) = try Self.example()
            let r = try VenuePreset(.deribit).margin(of: portfolio, market: market)
            let labelled = Set(r.approximations.filter { $0.kind == .approximation }.map(\.id))
            #expect(labelled == ["deribit.volShock", "deribit.dampener", "deribit.deltaShock"])
            let text = r.json.serialized()
            #expect(text.contains("\"kind\": \"approximation\""))
            #expect(text.contains("\"preset\": \"deribit\""))
            #expect(text.contains("\"marginCurrency\": \"USD\""))  // BTC, ETH and USDC pools → USD headline
        }
    }
}
