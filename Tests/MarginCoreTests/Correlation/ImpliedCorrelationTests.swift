import MarginCore
import Testing

/// A market with BTC, ETH and an ETH/BTC cross rate, valued 2026-01-01T08:00Z, so the expiries are
/// T1 = 2026-01-30 (29/365 y), T2 = 2026-03-27 (85/365 y), T3 = 2026-06-26 (176/365 y).
/// - BTC (index 90,000, forward 90,000 at T1 and T3 from rate 0): a smile at T1 with 0.50 at the forward strike
///   90,000 (0.58 at 80,000, 0.47 at 100,000) and a flat 0.60 at T3.
/// - ETH (index 3,100): one slice at T1 with 0.60 at the forward strike 3,100 (0.72 at 2,600, 0.68 at 3,600).
/// - ETH/BTC (index 0.03444): a smile at T1 with 0.40 at the forward strike 0.03444, and 0.40 flat at T2.
/// `crossVolT1` and `extra` let tests change the cross's T1 ATM vol and add keys.
func crossMarketJSON(crossVolT1: Double = 0.40, crossRates: String? = nil, extra: String = "") -> String {
    let cross = crossRates ?? """
        [{"base": "ETH", "quote": "BTC", "index": 0.03444, \(extra)
          "volSurface": [
            {"expiry": "2026-01-30T08:00:00Z", "points": [{"strike": 0.030, "iv": 0.55},
                {"strike": 0.03444, "iv": \(crossVolT1)}, {"strike": 0.040, "iv": 0.50}]},
            {"expiry": "2026-03-27T08:00:00Z", "points": [{"strike": 0.03444, "iv": 0.40}]}]}]
        """
    return """
        {"valuationTime": "2026-01-01T08:00:00Z",
         "underlyings": {
           "BTC": {"index": 90000, "volSurface": [
              {"expiry": "2026-01-30T08:00:00Z", "points": [{"strike": 80000, "iv": 0.58},
                  {"strike": 90000, "iv": 0.50}, {"strike": 100000, "iv": 0.47}]},
              {"expiry": "2026-06-26T08:00:00Z", "points": [{"strike": 90000, "iv": 0.60}]}]},
           "ETH": {"index": 3100, "volSurface": [
              {"expiry": "2026-01-30T08:00:00Z", "points": [{"strike": 2600, "iv": 0.72},
                  {"strike": 3100, "iv": 0.60}, {"strike": 3600, "iv": 0.68}]}]}},
         "crossRates": \(cross)}
        """
}

@Suite struct ImpliedCorrelationTests {
    /// Hand-worked, at the money (k = 0: the points struck at each forward):
    /// - T1: σ_BTC = 0.50, σ_ETH = 0.60, σ_ETH/BTC = 0.40 →
    ///   ρ = (0.25 + 0.36 − 0.16) / (2·0.50·0.60) = 0.45/0.60 = 0.75.
    /// - T2 (between BTC's slices; after ETH's only one, so ETH stays 0.60 flat): BTC's total variance is linear in T,
    ///   w·365 = 0.25·29 + (0.36·176 − 0.25·29)·(85 − 29)/(176 − 29) = 7.25 + 56.11·56/147 = 28.625238, so
    ///   σ_BTC² = 28.625238/85 = 0.3367675, σ_BTC = 0.5803167; with σ_ETH/BTC = 0.40:
    ///   ρ = (0.3367675 + 0.36 − 0.16) / (2·0.5803167·0.60) = 0.5367675/0.6963801 = 0.7707968.
    @Test func handWorkedValues() throws {
        let market = try MarketSnapshot(jsonText: crossMarketJSON())
        #expect(market.crossRates.count == 1)
        #expect(market.crossRates[0].name == "ETH/BTC")
        let implied = try ImpliedCorrelation(snapshot: market)
        #expect(implied.pairs.count == 2)
        let t1 = implied.pairs[0]
        #expect(t1.first == "BTC" && t1.second == "ETH" && t1.cross == "ETH/BTC")
        #expect(t1.expiry == Instant(iso8601: "2026-01-30T08:00:00Z"))
        #expect(abs(t1.firstVol - 0.50) < 1e-12 && abs(t1.secondVol - 0.60) < 1e-12 && abs(t1.crossVol - 0.40) < 1e-12)
        #expect(abs(t1.implied - 0.75) < 1e-12)
        let t2 = implied.pairs[1]
        #expect(t2.expiry == Instant(iso8601: "2026-03-27T08:00:00Z"))
        #expect(abs(t2.firstVol - 0.5803167) < 1e-7)
        #expect(abs(t2.secondVol - 0.60) < 1e-12)
        #expect(abs(t2.implied - 0.7707968) < 1e-7)
        // At a tenor equal to T2 the same value; pairs(_:_:) finds the pair in either order.
        let atTenor = try ImpliedCorrelation(snapshot: market, tenorYears: 85.0 / 365)
        #expect(atTenor.pairs.count == 1)
        #expect(abs(atTenor.pairs[0].implied - t2.implied) < 1e-12)
        #expect(implied.pairs("ETH", "BTC").count == 2)
    }

    /// The JSON rendering: `{"pairs": [{"pair": [...sorted], "expiry", "implied", "vols": {BTC, ETH, ETH/BTC}}]}`.
    @Test func jsonRendering() throws {
        let implied = try ImpliedCorrelation(snapshot: MarketSnapshot(jsonText: crossMarketJSON()))
        let root = JSONNode(implied.json)
        let pairs = try root.required("pairs").array()
        #expect(pairs.count == 2)
        let first = pairs[0]
        #expect(try first.required("pair").array().map { (n) throws(InputError) in try n.string() } == ["BTC", "ETH"])
        #expect(try first.required("expiry").string() == "2026-01-30T08:00:00Z")
        #expect(abs(try first.required("implied").double() - 0.75) < 1e-12)
        let vols = try first.required("vols").object()
        #expect(vols.map(\.key) == ["BTC", "ETH", "ETH/BTC"])
        #expect(abs(try vols[2].node.double() - 0.40) < 1e-12)
        // It round-trips through the serializer and parser.
        let text = implied.json.serialized()
        #expect(try JSONParser.parse(text) == implied.json)
        let table = implied.table()
        #expect(table.contains("BTC-ETH") && table.contains("ETH/BTC") && table.contains("0.7500"))
        #expect(table.split(separator: "\n").count == 4)
    }

    /// A cross vol inconsistent with its legs: at T1 σ_ETH/BTC = 1.20 gives
    /// ρ = (0.25 + 0.36 − 1.44) / 0.60 = −1.3833, outside [−1, 1]: an error naming the cross and the expiry, not a
    /// clamp.
    /// (A cross vol below |σ_BTC − σ_ETH| = 0.10, e.g. 0.05, gives ρ = 1.0125 > 1, equally rejected.)
    @Test func inconsistentCrossVolsAreRejected() throws {
        for vol in [1.20, 0.05] {
            let market = try MarketSnapshot(jsonText: crossMarketJSON(crossVolT1: vol))
            do throws(InputError) {
                _ = try ImpliedCorrelation(snapshot: market)
                Issue.record("accepted an implied correlation outside [-1, 1] (cross vol \(vol))")
            } catch {
                #expect(error.path == "$.crossRates[0].volSurface")
                #expect(error.description.contains("ETH/BTC"))
                #expect(error.description.contains("2026-01-30T08:00:00Z"))
                #expect(error.description.contains("outside [-1, 1]"))
            }
        }
    }

    /// Decoding errors name the JSON path of the offending field; unknown keys are ignored.
    @Test func decodingErrorsNameThePath() throws {
        func failure(_ text: String) -> InputError? {
            do throws(InputError) {
                _ = try MarketSnapshot(jsonText: text)
                return nil
            } catch {
                return error
            }
        }
        let badIV = crossMarketJSON(crossRates: """
            [{"base": "ETH", "quote": "BTC", "index": 0.03444,
              "volSurface": [{"expiry": "2026-01-30T08:00:00Z", "points": [{"strike": 0.03444, "iv": -1}]}]}]
            """)
        #expect(failure(badIV)?.path == "$.crossRates[0].volSurface[0].points[0].iv")
        let unknown = crossMarketJSON(crossRates: """
            [{"base": "XRP", "quote": "BTC", "index": 1, "volSurface": []}]
            """)
        #expect(failure(unknown) == .unknownUnderlying(path: "$.crossRates[0].base", name: "XRP"))
        let noSurface = crossMarketJSON(crossRates: #"[{"base": "ETH", "quote": "BTC", "index": 0.03444}]"#)
        #expect(failure(noSurface) == .missing(path: "$.crossRates[0].volSurface"))
        let same = crossMarketJSON(crossRates: #"[{"base": "ETH", "quote": "ETH", "index": 1, "volSurface": []}]"#)
        #expect(failure(same)?.path == "$.crossRates[0].quote")
        let badIndex = crossMarketJSON(crossRates: #"[{"base": "ETH", "quote": "BTC", "index": 0, "volSurface": []}]"#)
        #expect(failure(badIndex)?.path == "$.crossRates[0].index")
        let badForward = crossMarketJSON(crossRates: """
            [{"base": "ETH", "quote": "BTC", "index": 0.03444,
              "forwards": [{"expiry": "2025-12-01T08:00:00Z", "price": 0.034}],
              "volSurface": [{"expiry": "2026-01-30T08:00:00Z", "points": [{"strike": 0.03444, "iv": 0.4}]}]}]
            """)
        #expect(failure(badForward)?.path == "$.crossRates[0].forwards[0].expiry")
        let twice = crossMarketJSON(crossRates: """
            [{"base": "ETH", "quote": "BTC", "index": 0.03444,
              "volSurface": [{"expiry": "2026-01-30T08:00:00Z", "points": [{"strike": 0.03444, "iv": 0.4}]}]},
             {"base": "BTC", "quote": "ETH", "index": 29.0,
              "volSurface": [{"expiry": "2026-01-30T08:00:00Z", "points": [{"strike": 29, "iv": 0.4}]}]}]
            """)
        #expect(failure(twice)?.path == "$.crossRates[1]")
        #expect(failure(crossMarketJSON(crossRates: "{}")) == .wrongType(path: "$.crossRates", expected: "an array",
                                                                          found: "an object"))
        // Lenient about unknown keys; a market without crossRates has none.
        let lenient = try MarketSnapshot(jsonText: crossMarketJSON(extra: #""venue": "deribit", "#))
        #expect(lenient.crossRates.count == 1)
        let none = try MarketSnapshot(jsonText: crossMarketJSON(crossRates: "null"))
        #expect(none.crossRates.isEmpty)
        #expect(try ImpliedCorrelation(snapshot: none).pairs.isEmpty)
    }

    /// A leg without a vol surface: an error at the leg's path (decoding accepts it; implying needs the surface).
    @Test func legWithoutSurfaceIsNamed() throws {
        var market = try MarketSnapshot(jsonText: crossMarketJSON())
        market.underlyings["ETH"]?.volSurface = nil
        #expect(throws: InputError.invalid(path: "$.crossRates[0].base",
                                           reason: "ETH has no vol surface: ETH/BTC implies nothing without it")) {
            try ImpliedCorrelation(snapshot: market)
        }
    }
}
