import Foundation
import MarginCore
import MarginTestSupport
import Testing

/// Issue item 4: one JSON encoding of markets, instruments, correlations and parameters (the input files' formats),
/// used by the file decoders, the engine's journal payloads and its snapshots. Each encoder's output reads back, by
/// the file's own decoder, to an equal value, and is canonical (equal values, equal text).
@Suite struct EncodingRoundTripTests {
    typealias F = InputTestFixture

    static func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    static let markets = [ExampleFiles.shared("market.json"), ExampleFiles.path("market.json")]
    static let books = ["calendar-spread", "coin-collateral", "covered-call", "cross-hedge", "inverse-mixed",
                        "market-maker-book", "option-calendar", "protective-put", "short-strangle"]
        .map { ExampleFiles.path("\($0).json") } + [ExampleFiles.shared("portfolio.json")]

    @Test("every example market encodes to JSON that decodes to an equal snapshot, and re-encodes to the same text",
          arguments: markets)
    func marketRoundTrip(_ path: String) throws {
        let market = try MarketSnapshot(jsonText: Self.text(path))
        let text = market.json.serialized(pretty: false)
        let back = try MarketSnapshot(jsonText: text)
        #expect(back == market)
        #expect(back.json.serialized(pretty: false) == text, "canonical")
        // The surfaces keep their quotes as given: rebuilding one from them gives the same surface.
        for (name, u) in market.underlyings {
            guard let s = u.volSurface else { continue }
            let rebuilt = try VolSurface(quotes: s.quotes, valuationTime: u.valuationTime,
                                         forward: { u.forward(expiry: $0) })
            #expect(rebuilt == s, "\(name)")
        }
    }

    @Test("every instrument of the example books encodes in portfolio.json's instrument fields and decodes equal",
          arguments: books)
    func instrumentRoundTrip(_ path: String) throws {
        let portfolio = try Portfolio(jsonText: Self.text(path))
        for p in portfolio.positions {
            let text = p.instrument.json.serialized(pretty: false)
            let back = try Instrument(json: JSONNode.parse(text))
            #expect(back == p.instrument)
            #expect(back.json.serialized(pretty: false) == text)
            #expect(throws: Never.self) { try p.instrument.validate() }
        }
    }

    @Test("a correlation table encodes as market.json's correlations, pairs sorted, and decodes equal")
    func correlationsRoundTrip() throws {
        var t = CorrelationTable()
        t.set("ETH", "BTC", rho: 0.85)
        t.set("SOL", "BTC", rho: -0.25)
        t.set("A|B", "C", rho: 0.5)  // names may hold any character
        let text = t.json.serialized(pretty: false)
        #expect(text == #"[{"pair":["A|B", "C"],"rho":0.5},{"pair":["BTC", "ETH"],"rho":0.85},{"pair":["BTC", "SOL"],"rho":-0.25}]"#)
        #expect(try CorrelationTable(json: JSONNode.parse(text)) == t)
        #expect(try CorrelationTable(json: JSONNode.parse("[]")) == CorrelationTable())
        #expect(throws: Never.self) { try t.validate() }
        var selfPair = CorrelationTable()
        selfPair.set("BTC", "BTC", rho: 1)
        #expect(throws: InputError.invalid(path: "correlations[BTC/BTC]",
                                           reason: "pairs BTC with itself (its correlation is 1 by definition)")) {
            try selfPair.validate()
        }
    }

    @Test("risk parameters encode as the parameter file, every field, and decode equal")
    func parametersRoundTrip() throws {
        var p = RiskParameters.reference
        #expect(try RiskParameters(json: JSONNode.parse(p.json.serialized())) == p)
        p.name = "wide \"quoted\""
        p.priceRange = 0.2
        p.pricePoints = 11
        p.volShifts = [-0.25, 0, 0.1, 0.4]
        p.timeShiftsDays = [0, 0.5]
        p.correlationMode = .correlated
        p.optionsValueLiquidationRate = 0.07
        let text = p.json.serialized(pretty: false)
        // Over a different base, nothing of the base survives: every field is written.
        var base = RiskParameters.reference
        base.minVol = 0.2
        #expect(try RiskParameters(json: JSONNode.parse(text), base: base) == p)
        #expect(try RiskParameters(json: JSONNode.parse(text)).json.serialized(pretty: false) == text)
    }

    @Test("a market updated in place equals the market decoded from the same values (surface rebuilt on the new forwards)")
    func updatedMarketEqualsDecoded() throws {
        let snapshot = try MarketSnapshot(jsonText: Self.text(ExampleFiles.shared("market.json")))
        let btc = try #require(snapshot.underlyings["BTC"])
        let later = snapshot.valuationTime.adding(seconds: 3_600)
        let moved = try btc.updated(time: later, index: 91_000, perpetualPrice: 91_040)
        // The same underlying written with the new values, read as a market file would be.
        var json = btc.json()
        json = F.setting(.double(91_000), at: ["index"], in: json)
        json = F.setting(.double(91_040), at: ["perpetualPrice"], in: json)
        let decoded = try UnderlyingMarket(json: JSONNode(json), name: "BTC", valuationTime: later)
        #expect(moved == decoded)
        #expect(moved.volSurface?.quotes == btc.volSurface?.quotes)
        #expect(moved.volSurface != btc.volSurface, "the smile is re-anchored on the new forwards and time")
        // An expired forward or surface point cannot be carried past its expiry.
        let far = Instant(iso8601: "2026-02-01T00:00:00Z")!
        #expect(throws: InputError.self) { _ = try btc.updated(time: far) }
        // Removing the surface, or replacing it.
        #expect(try btc.updated(time: later, volQuotes: []).volSurface == nil)
    }
}
