import MarginCore
@testable import MarginVenues
import Testing

extension Venues {
    /// OKX's worked example (VENUE_PRESETS.md): MR = 40,000, MR7 raw = 30,000,
    /// MR7 adjusted = 10,000 + (30,000 − 10,000) × 2 = 50,000 with a ×2 band above $10,000 → MMR = 50,000 USD.
    @Suite struct OKXMarginTests {
        @Test func mr7WorkedExample() {
            let bands = [OKXChargeBand(from: 0, multiplier: 1), OKXChargeBand(from: 10_000, multiplier: 2)]
            let agg = OKXMargin.aggregate(OKXMargin.Charges(mr1: 40_000, mr7Raw: 30_000), bands: bands)
            #expect(agg.mr == 40_000)
            #expect(agg.mr7Adjusted == 50_000)
            #expect(agg.mmr == 50_000)
            #expect(agg.imr == 65_000)
            #expect(agg.binding == "MR7")
        }

        /// `MR = max(MR1, MR2, MR6) + MR3 + MR4 + MR5`.
        @Test func aggregation() {
            let c = OKXMargin.Charges(mr1: 100, mr2: 30, mr3: 5, mr4: 7, mr5: 1, mr6: 120, mr7Raw: 10)
            let agg = OKXMargin.aggregate(c, bands: OKXChargeBand.majors)
            #expect(agg.mr == 133)
            #expect(agg.mmr == 133)
            #expect(agg.binding == "MR6")
        }

        /// The published BTC/ETH bands apply incrementally: $0–250K ×1, 250–500K ×2, 0.5–1M ×4, 1–2M ×6, ….
        @Test func majorBands() {
            let bands = OKXChargeBand.majors
            let cases: [(raw: Double, adjusted: Double)] = [
                (100_000, 100_000),
                (400_000, 250_000 + 300_000),
                (1_500_000, 250_000 + 500_000 + 2_000_000 + 3_000_000),
                (5_000_000, 250_000 + 500_000 + 2_000_000 + 6_000_000 + 8_000_000 + 10_000_000 + 12_000_000),
            ]
            for c in cases { #expect(OKXChargeBand.adjusted(c.raw, bands: bands) == c.adjusted) }
        }

        /// A linear perpetual alone: MR1 is its loss at −12%, MR6 a third of its loss at ±24%, MR4 0 (perpetual).
        @Test func perpetualBook() throws {
            let market = try MarketSnapshot(
                jsonText: """
                    {"valuationTime": "2026-01-09T08:00:00Z", "underlyings": {"BTC": {"index": 90000}}}
                    """)
            let book = Portfolio(
                account: "p",
                positions: [
                    Position(instrument: Instrument(underlying: "BTC", kind: .perpetual, settlement: .linear), size: -2)
                ])
            let r = try VenuePreset(.okx).margin(of: book, market: market)
            let unit = try #require(r.units.first)
            #expect(abs((unit.component("MR1") ?? 0) - 2 * 0.12 * 90_000) < 1e-6)
            #expect(abs((unit.component("MR6") ?? 0) - 2 * 0.24 * 90_000 / 3) < 1e-6)
            #expect(unit.component("MR4") == 0)
            #expect(abs((unit.component("MR7_raw") ?? 0) - 0.001 * 180_000) < 1e-9)
            #expect(abs(r.maintenanceMargin - 2 * 0.12 * 90_000) < 1e-6)
            #expect(abs(r.initialMargin - 1.3 * r.maintenanceMargin) < 1e-6)
            #expect(unit.binding == "MR1")
        }

        /// Bad bands: the first must start at 0, and they must ascend; the error names the field.
        @Test func badBands() {
            #expect(
                throws: InputError.invalid(
                    path: "$.units.BTC.minimumChargeBands[0].from",
                    reason: "the first band must start at 0, got 5.0")
            ) {
                try VenuePreset(
                    json: JSONNode.parse(
                        """
                        {"preset": "okx", "units": {"BTC": {"minimumChargeBands": [{"from": 5, "multiplier": 1}]}}}
                        """))
            }
        }
    }
}
