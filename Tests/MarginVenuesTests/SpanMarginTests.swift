import MarginCore
@testable import MarginVenues
import Testing

extension Venues {
    /// SPAN's worked examples (VENUE_PRESETS.md): McMillan, "Options as a Strategic Investment" (S&P future, scan range
    /// $10,000, extreme $7,000), and CME's spread calculator.
    @Suite struct SpanMarginTests {
        static let mcMillanFuture: [Double] = [
            0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000,
            -10000, -10000, 7000, -7000,
        ]
        static let mcMillanCall: [Double] = [
            460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640,
            -3380, -3990, 3130, -1500,
        ]

        /// A book of one commodity whose contracts are the given arrays, one position per contract.
        static func book(_ arrays: [(id: String, kind: String, array: [Double], quantity: Double)]) -> String {
            let contracts = arrays.map { a in
                "{\"id\": \"\(a.id)\", \"kind\": \"\(a.kind)\", \"month\": \"DEC\", \"riskArray\": \(a.array)}"
            }.joined(separator: ", ")
            let positions = arrays.map { "{\"contract\": \"\($0.id)\", \"quantity\": \($0.quantity)}" }
                .joined(separator: ", ")
            let commodities = "[{\"name\": \"SP\", \"contracts\": [\(contracts)]}]"
            return "{\"combinedCommodities\": \(commodities), \"positions\": [\(positions)]}"
        }

        /// Long 1 S&P future → $10,000; long 1 Dec 410 call → $3,990 (McMillan's arrays, as a SPAN file gives them).
        @Test func mcMillanArrays() throws {
            let span = SpanMargin()
            let future = try span.margin(
                of: SpanBook(jsonText: Self.book([("SP-FUT", "future", Self.mcMillanFuture, 1)])))
            #expect(future.maintenanceMargin == 10_000)
            #expect(future.marginCurrency == "USD")
            #expect(future.units.first?.binding == "scan")
            let call = try span.margin(of: SpanBook(jsonText: Self.book([("SP-410C", "option", Self.mcMillanCall, 1)])))
            #expect(call.maintenanceMargin == 3_990)
            // The worst scenario of the call is 14: price down 3/3, vol down.
            #expect(call.units.first?.worstScenario == 13)
        }

        /// `SpanRiskArray.future` gives the textbook array of a future (McMillan's, before his rounding to $10).
        @Test func futureArrayFromScanRange() {
            let a = SpanRiskArray.future(scanRange: 10_000).values
            for (x, y) in zip(a, Self.mcMillanFuture) { #expect(abs(x - y) < 3.34) }
            #expect(SpanRiskArray.future(scanRange: 10_000).scanRisk == 10_000)
        }

        /// CME's spread calculator, inter-commodity: corn outright $1,750, soybeans $2,500, 2 corn : 1 soybeans at 55%
        /// → $2,700 for long 2 corn / short 1 soybeans.
        @Test func interCommodityCredit() throws {
            let corn = try SpanRiskArray(SpanRiskArray.future(scanRange: 1_750).values)
            let soy = try SpanRiskArray(SpanRiskArray.future(scanRange: 2_500).values)
            let book = SpanBook(
                commodities: [
                    SpanCommodity(
                        name: "C",
                        contracts: [
                            SpanContract(
                                id: "C", month: "M1", delta: 1, isOption: false,
                                riskArray: corn)
                        ]),
                    SpanCommodity(
                        name: "S",
                        contracts: [
                            SpanContract(
                                id: "S", month: "M1", delta: 1, isOption: false,
                                riskArray: soy)
                        ]),
                ],
                interSpreads: [SpanInterSpread("C", ratio: 2, "S", ratio: 1, credit: 0.55)],
                positions: [("C", 2), ("S", -1)])
            let result = try SpanMargin().margin(of: book)
            #expect(abs(result.maintenanceMargin - 2_700) < 1e-9)
            #expect(abs((result.units.first?.component("inter_credit") ?? 0) - 0.55 * 3_500) < 1e-9)
            // Without the spread table: the outrights add up.
            var alone = book
            alone.interSpreads = []
            #expect(abs(try SpanMargin().margin(of: alone).maintenanceMargin - 6_000) < 1e-9)
        }

        /// CME's spread calculator, intra-commodity: outrights M2 $500, M3 $500, M4 $750; charges 2v3 $200, 2v4 $50,
        /// 3v4 $0 → +M2/−M3 $200, +M2/−M4 $300, +M3/−M4 $250.
        @Test func intraCommoditySpreads() throws {
            let outright: [String: Double] = ["M2": 500, "M3": 500, "M4": 750]
            let commodity = SpanCommodity(
                name: "CL",
                contracts: try ["M2", "M3", "M4"].map { (m) throws(InputError) in
                    SpanContract(
                        id: m, month: m, delta: 1, isOption: false,
                        riskArray: try SpanRiskArray(SpanRiskArray.future(scanRange: outright[m] ?? 0).values))
                },
                intraSpreads: [
                    SpanIntraSpread("M2", "M3", charge: 200), SpanIntraSpread("M2", "M4", charge: 50),
                    SpanIntraSpread("M3", "M4", charge: 0),
                ])
            for (long, short, expected) in [("M2", "M3", 200.0), ("M2", "M4", 300.0), ("M3", "M4", 250.0)] {
                let book = SpanBook(commodities: [commodity], positions: [(long, 1), (short, -1)])
                let r = try SpanMargin().margin(of: book)
                #expect(abs(r.maintenanceMargin - expected) < 1e-9, "+\(long)/−\(short): \(r.maintenanceMargin)")
            }
        }

        /// The short-option minimum binds when the scan risk is smaller: requirement = max(scan + intra − inter, SOM).
        @Test func shortOptionMinimum() throws {
            let text = """
                {"combinedCommodities": [{"name": "SP", "contracts": [
                  {"id": "P", "kind": "option", "shortOptionMinimum": 400,
                   "riskArray": [10, -10, 20, 0, -20, -30, 0, 0, 0, 0, 0, 0, 0, -50, 0, 0]}]}],
                 "positions": [{"contract": "P", "quantity": -2}]}
                """
            let r = try SpanMargin().margin(of: SpanBook(jsonText: text))
            #expect(r.maintenanceMargin == 800)
            #expect(r.units.first?.binding == "som")
        }

        /// Computed arrays: a linear future's 16 scenarios are ±k/3 of the scan range times F, and ±2 × 35% at 15–16.
        @Test func computedArraysOfAFuture() throws {
            let market = try MarketSnapshot(
                jsonText: """
                    {"valuationTime": "2026-01-09T08:00:00Z", "underlyings": {"BTC": {"index": 90000,
                     "forwards": [{"expiry": "2026-03-27T08:00:00Z", "price": 91500}]}}}
                    """)
            let expiry = try #require(Instant(iso8601: "2026-03-27T08:00:00Z"))
            let book = Portfolio(
                account: "f",
                positions: [
                    Position(
                        instrument: Instrument(underlying: "BTC", kind: .future(expiry: expiry), settlement: .linear),
                        size: 1)
                ])
            let r = try VenuePreset(.span).margin(of: book, market: market)
            let unit = try #require(r.units.first)
            let expected = SpanRiskArray.future(scanRange: 0.25 * 91_500).values
            for (x, y) in zip(unit.riskVector, expected) { #expect(abs(x - y) < 1e-9) }
            #expect(abs(r.maintenanceMargin - 0.25 * 91_500) < 1e-9)
            #expect(abs(r.initialMargin - 1.1 * 0.25 * 91_500) < 1e-9)
        }

        /// Bad input: a SPAN array of the wrong length, a position in an unknown contract.
        @Test func badArrays() {
            let short = Array(Self.mcMillanFuture.prefix(15))
            #expect(
                throws: InputError.invalid(
                    path: "$.combinedCommodities[0].contracts[0].riskArray",
                    reason: "a SPAN risk array has 16 values (scenarios 1–16), got 15")
            ) {
                try SpanBook(jsonText: Self.book([("SP-FUT", "future", short, 1)]))
            }
            let text = Self.book([("SP-FUT", "future", Self.mcMillanFuture, 1)])
                .replacing("\"contract\": \"SP-FUT\"", with: "\"contract\": \"SP-X\"")
            #expect(throws: InputError.invalid(path: "$.positions[0].contract", reason: "unknown contract \"SP-X\"")) {
                try SpanBook(jsonText: text)
            }
        }
    }
}
