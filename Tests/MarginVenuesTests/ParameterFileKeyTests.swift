import MarginCore
@testable import MarginVenues
import Testing

extension Venues {
    /// Issue item 9c: a parameter file with an unknown key is an error naming the key with its JSON path, at every
    /// level of every preset's format: the root (beside `"preset"` and the sections), the sections, and the nested
    /// objects (Deribit pairs and currencies, OKX units and bands, SPAN spreads and legs).
    @Suite struct ParameterFileKeyTests {
        static func error(_ text: String, preset: VenuePreset.Name? = nil) -> InputError? {
            do {
                _ = try VenuePreset(json: JSONNode.parse(text), preset: preset)
                return nil
            } catch {
                return error
            }
        }

        static func allError(_ text: String) -> InputError? {
            do {
                _ = try VenuePreset.all(json: JSONNode.parse(text))
                return nil
            } catch {
                return error
            }
        }

        /// Files with one misspelt key, the preset they are read as, and the path the error must name.
        static let misspelt: [(String, VenuePreset.Name?, String)] = [
            (#"{"priceRang": 0.2}"#, nil, "$.priceRang"),
            (#"{"preset": "reference", "minVoll": 0.02}"#, nil, "$.minVoll"),
            (#"{"liquidationCost": {"optionValueRate": 0.1}}"#, nil, "$.liquidationCost.optionValueRate"),
            (#"{"reference": {"priceRange": 0.2, "pricepoints": 11}}"#, .reference, "$.reference.pricepoints"),
            // Deribit at the root, in its section, in a pair and a currency.
            (#"{"preset": "deribit", "mmfactor": 0.8}"#, nil, "$.mmfactor"),
            (#"{"deribit": {"mmFactor": 0.8, "worstCase": 0}}"#, .deribit, "$.deribit.worstCase"),
            (#"{"preset": "deribit", "pairs": {"BTC": {"priceRange": 0.16, "buckets": 4}}}"#, nil, "$.pairs.BTC.buckets"),
            (#"{"preset": "deribit", "currencies": {"ETH": {"pnlOfset": 0.5}}}"#, nil, "$.currencies.ETH.pnlOfset"),
            // SPAN: root, spreads, legs.
            (#"{"preset": "span", "scanRange": {"BTC": 0.2}}"#, nil, "$.scanRange"),
            (#"{"span": {"interSpreads": [{"legs": [{"commodity": "BTC"}, {"commodity": "ETH"}], "credit": 0.5, "x": 1}]}}"#,
             .span, "$.span.interSpreads[0].x"),
            (#"{"span": {"interSpreads": [{"legs": [{"commodity": "BTC", "ratios": 2}, {"commodity": "ETH"}], "credit": 0.5}]}}"#,
             .span, "$.span.interSpreads[0].legs[0].ratios"),
            // OKX: root, a unit, a band.
            (#"{"preset": "okx", "volShock": 0.25}"#, nil, "$.volShock"),
            (#"{"okx": {"units": {"BTC": {"extremeMoves": 0.24}}}}"#, .okx, "$.okx.units.BTC.extremeMoves"),
            (#"{"okx": {"units": {"BTC": {"minimumChargeBands": [{"from": 0, "multiplier": 1, "to": 5}]}}}}"#, .okx,
             "$.okx.units.BTC.minimumChargeBands[0].to"),
            // A root key of another preset is unknown at the root of this one, even when the section is used.
            (#"{"preset": "deribit", "priceRange": 0.2, "deribit": {"mmFactor": 0.8}}"#, nil, "$.priceRange"),
        ]

        @Test("an unknown key at any level of a parameter file is an error naming its path", arguments: misspelt)
        func unknownKeyNamed(_ text: String, _ preset: VenuePreset.Name?, _ path: String) {
            let e = Self.error(text, preset: preset)
            #expect(e?.path == path, "\(text): \(String(describing: e))")
            guard case .invalid(_, let reason) = e else { Issue.record("\(String(describing: e))"); return }
            #expect(reason.hasPrefix("unknown key"), "\(reason)")
            // compare --venues reads the same file: the same error.
            #expect(Self.allError(text)?.path == path, "\(text) for every venue")
        }

        @Test("\"preset\", sections and every preset's known keys are accepted; a section must be an object")
        func knownKeysAccepted() throws {
            let file = #"""
                {"preset": "reference", "priceRange": 0.2, "liquidationCost": {"futuresRate": 0.001},
                 "deribit": {"mmFactor": 0.75, "pairs": {"BTC": {"bucketsCount": 5}, "default": {"priceRange": 0.2}},
                             "currencies": {"BTC": {"pnlOffset": 0.1}}},
                 "span": {"scanRanges": {"BTC": 0.2}, "interSpreads": [{"legs": [{"commodity": "BTC", "ratio": 1},
                          {"commodity": "ETH", "ratio": 20}], "credit": 0.5}]},
                 "okx": {"units": {"BTC": {"priceMoves": [0, 0.05], "minimumChargeBands": [{"from": 0, "multiplier": 1}]}}}}
                """#
            #expect(Self.error(file) == nil)
            for name in VenuePreset.Name.allCases { #expect(Self.error(file, preset: name) == nil, "\(name)") }
            #expect(Self.allError(file) == nil)
            guard case .deribit(let d) = try VenuePreset(json: JSONNode.parse(file), preset: .deribit) else {
                Issue.record("not deribit"); return
            }
            #expect(d.mmFactor == 0.75 && d.pair("BTC").bucketsCount == 5)
            #expect(Self.error(#"{"okx": 5}"#, preset: .okx)?.path == "$.okx")
        }
    }
}
