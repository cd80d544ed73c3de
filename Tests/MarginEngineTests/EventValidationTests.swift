import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue item 5: every event is validated by its domain type before it is journaled. A rejected event names the
/// field, changes nothing (state, journal, digest) and never traps, whatever its values.
@Suite struct EventValidationTests {
    typealias F = EngineFixtures

    /// Submits `event` to `engine`; expects a rejection naming `field`, with nothing journaled or changed.
    static func expectRejected(_ engine: RiskEngine, _ store: InMemoryJournal, _ event: EngineEvent, field: String,
                               sourceLocation: SourceLocation = #_sourceLocation) async {
        let state = await engine.state
        let count = store.count
        let digest = await engine.digest
        do {
            try await engine.submit(event)
            Issue.record("accepted \(event)", sourceLocation: sourceLocation)
        } catch {
            guard case .invalid(let f, _) = error else {
                Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(f == field, "\(error)", sourceLocation: sourceLocation)
        }
        #expect(await engine.state == state, sourceLocation: sourceLocation)
        #expect(store.count == count, sourceLocation: sourceLocation)
        #expect(await engine.digest == digest, sourceLocation: sourceLocation)
    }

    /// Each parameter out of its domain (the parameter file's one range table), and the field the error names.
    static let badParameters: [(String, @Sendable (inout RiskParameters) -> Void)] = [
        ("parameters.priceRange", { $0.priceRange = 0 }),
        ("parameters.priceRange", { $0.priceRange = .nan }),
        ("parameters.priceRange", { $0.priceRange = 1.5 }),
        ("parameters.pricePoints", { $0.pricePoints = 0 }),
        ("parameters.pricePoints", { $0.pricePoints = -21 }),
        ("parameters.pricePoints", { $0.pricePoints = 20 }),
        ("parameters.pricePoints", { $0.pricePoints = Int.max }),
        ("parameters.volShifts", { $0.volShifts = [] }),
        ("parameters.volShifts[1]", { $0.volShifts = [0, .infinity] }),
        ("parameters.timeShiftsDays", { $0.timeShiftsDays = [] }),
        ("parameters.timeShiftsDays[0]", { $0.timeShiftsDays = [-1] }),
        ("parameters.extremeMultiple", { $0.extremeMultiple = 7 }),
        ("parameters.extremeMultiple", { $0.extremeMultiple = .nan }),
        ("parameters.extremeCoverage", { $0.extremeCoverage = 2 }),
        ("parameters.shortOptionMinimumRate", { $0.shortOptionMinimumRate = -0.1 }),
        ("parameters.rollShift", { $0.rollShift = 1 }),
        ("parameters.liquidationCost.futuresRate", { $0.futuresLiquidationRate = .nan }),
        ("parameters.liquidationCost.optionsNotionalRate", { $0.optionsNotionalLiquidationRate = 1 }),
        ("parameters.liquidationCost.optionsValueRate", { $0.optionsValueLiquidationRate = -1 }),
        ("parameters.initialToMaintenance", { $0.initialToMaintenance = 0.5 }),
        ("parameters.takeoverRatio", { $0.takeoverRatio = .infinity }),
        ("parameters.correlationStress", { $0.correlationStress = 1.5 }),
        ("parameters.minVol", { $0.minVol = 0 }),
    ]

    @Test("a parameters event out of range is rejected naming the field, never journaled, never a trap")
    func parametersValidated() async throws {
        let store = InMemoryJournal()
        let engine = try await F.emptyEngine(store: store)
        try await engine.submit(.deposit(Transfer(account: "a", currency: "USD", amount: 100_000)))
        try await engine.submit(F.trade(account: "a", instrument: "BTC-PERP", quantity: 1, price: 100_000))
        for (field, mutate) in Self.badParameters {
            var p = RiskParameters.reference
            mutate(&p)
            await Self.expectRejected(engine, store, .parameters(p), field: field)
        }
        // In range passes, is journaled and replays.
        var p = RiskParameters.reference
        p.priceRange = 0.2
        p.pricePoints = 11
        try await engine.submit(.parameters(p))
        #expect(await engine.state.parameters == p)
        #expect(try await RiskEngine.open(store: store).digest == engine.digest)
    }

    @Test("the engine rejects every parameter set the parameter-file decoder rejects, and accepts what it accepts")
    func parametersAgreeWithTheFileDecoder() throws {
        for (_, mutate) in Self.badParameters {
            var p = RiskParameters.reference
            mutate(&p)
            #expect(throws: InputError.self) { try p.validate() }
            // Its JSON is refused by the file decoder too (where JSON can write it: a NaN or ±∞ is written null,
            // which a parameter file reads as absent).
            let text = p.json.serialized()
            if !text.contains("null") {
                #expect(throws: InputError.self) { try RiskParameters(json: JSONNode.parse(text)) }
            }
        }
        #expect(throws: Never.self) { try RiskParameters.reference.validate() }
    }

    @Test("events out of their domain are rejected naming the field: names, amounts, prices, times, instruments")
    func intrinsicChecks() async throws {
        let store = InMemoryJournal()
        let engine = try await F.emptyEngine(store: store)
        try await engine.submit(.deposit(Transfer(account: "a", currency: "USD", amount: 100_000)))
        let t = try #require(await engine.state.markets["BTC"]).time
        let long = String(repeating: "x", count: 129)
        let d = F.dec
        let cases: [(EngineEvent, String)] = [
            (.deposit(Transfer(account: "", currency: "USD", amount: 1)), "account"),
            (.deposit(Transfer(account: long, currency: "USD", amount: 1)), "account"),
            (.deposit(Transfer(account: "a", currency: "USD", amount: .nan)), "amount"),
            (.deposit(Transfer(account: "a", currency: "USD", amount: d("1e15"))), "amount"),
            (.deposit(Transfer(account: "a", currency: "USD", amount: d("1e-19"))), "amount"),
            (.deposit(Transfer(account: "a", currency: "USD", amount: d("-1"))), "amount"),
            (.withdrawal(Transfer(account: "a", currency: "USD", amount: 0)), "amount"),
            (F.trade(account: "a", instrument: "BTC-PERP", quantity: d("1e-19"), price: 100_000), "quantity"),
            (F.trade(account: "a", instrument: "BTC-PERP", quantity: 1, price: .nan), "price"),
            (F.trade(account: "a", instrument: "BTC-PERP", quantity: 1, price: 100_000, fee: d("1e16")), "buyerFee"),
            (F.trade(account: "a", instrument: "BTC-PERP", quantity: -1, price: 100_000, fee: .nan), "sellerFee"),
            (F.trade(account: "a", instrument: "", quantity: 1, price: 1), "instrument"),
            (.trade(Trade(buyer: "a", seller: "a", instrument: "BTC-PERP", quantity: 1, price: 1)), "seller"),
            (.trade(Trade(buyer: "a", seller: "lp", instrument: "BTC-PERP", quantity: -1, price: 1)), "quantity"),
            (.trade(Trade(buyer: "", seller: "lp", instrument: "BTC-PERP", quantity: 1, price: 1)), "buyer"),
            (.trade(Trade(buyer: "nobody", seller: "lp", instrument: "BTC-PERP", quantity: 1, price: 1)), "buyer"),
            (.trade(Trade(buyer: "a", seller: "fees", instrument: "BTC-PERP", quantity: 1, price: 1)), "seller"),
            (.clock(t.adding(seconds: -1)), "time"),
            (.book(BookUpdate(instrument: "BTC-PERP",
                              book: OrderBook(bids: [BookLevel(price: 1, size: 1, account: "nobody")]))),
             "bids[0].account"),
            (.book(BookUpdate(instrument: "BTC-PERP", book: OrderBook(bids: [BookLevel(price: d("1e-19"), size: 1,
                                                                                        account: "a")]))),
             "bids[0].price"),
            (.book(BookUpdate(instrument: "NOPE", book: OrderBook(bids: [BookLevel(price: 1, size: 1, account: "a")]))),
             "instrument"),
            (.liquidationSettings({ var s = LiquidationSettings(); s.impactLimit = 0; return s }()), "impactLimit"),
            (.liquidationSettings({ var s = LiquidationSettings(); s.feeAccount = s.insuranceFund; return s }()),
             "feeAccount"),
            (.liquidationSettings({ var s = LiquidationSettings(); s.backstops = ["a", "a"]; return s }()),
             "backstops[1]"),
            (.marginCall(MarginCall(account: "a", equity: 1, maintenanceMargin: 2, shortfall: 1, time: t)), "account"),
            (.market(MarketUpdate(underlying: "BTC", time: t, index: .infinity)), "index"),
            (.market(MarketUpdate(underlying: "BTC", time: t, index: 1e15)), "index"),
            (.market(MarketUpdate(underlying: "BTC", time: t, rate: .nan)), "rate"),
            (.market(MarketUpdate(underlying: "BTC", time: t, perpetualPrice: -1)), "perpetualPrice"),
            (.market(MarketUpdate(underlying: "BTC", time: t, forwards: [t.adding(seconds: 60): .nan])),
             "forwards.\(t.adding(seconds: 60).iso8601)"),
            (.market(MarketUpdate(underlying: "BTC", time: Instant(nanosecondsSinceEpoch: .max), index: 1)), "time"),
            (.market(MarketUpdate(underlying: "USDC", time: t, index: 1)), "underlying"),
            (.market(MarketUpdate(underlying: "BTC", time: t, surface: [VolQuote(expiry: t.adding(seconds: 86_400),
                                                                                strikes: [1, 2], vols: [0.5])])),
             "volSurface[0].points"),
            (.listing(Listing(id: "X", instrument: Instrument(underlying: "BTC", kind: .option(OptionContract(
                expiry: t.adding(seconds: 86_400), strike: .nan, right: .call)), settlement: .linear))), "instrument.strike"),
            (.listing(Listing(id: "X", instrument: Instrument(underlying: "BTC", kind: .future(
                expiry: Instant(nanosecondsSinceEpoch: .max)), settlement: .linear))), "instrument.expiry"),
            (.listing(Listing(id: "", instrument: Instrument(underlying: "BTC", kind: .perpetual, settlement: .linear))), "id"),
            (.expiry(Expiry(instrument: "BTC-PERP", settlementPrice: .nan)), "settlementPrice"),
        ]
        for (event, field) in cases { await Self.expectRejected(engine, store, event, field: field) }
    }
}

/// Issue item 4: one JSON encoding of markets, instruments and correlations for files, journal payloads and
/// snapshots (docs/ENGINE.md, "The wire format").
@Suite struct WireFormatTests {
    typealias F = EngineFixtures

    @Test("a market event is written in market.json's underlying format, keys sorted")
    func marketPayload() throws {
        let t = Instant(iso8601: "2026-01-09T08:00:00Z")!
        let e = Instant(iso8601: "2026-03-27T08:00:00Z")!
        let event = EngineEvent.market(MarketUpdate(underlying: "BTC", time: t, index: 90_000, rate: 0.01,
                                                    forwards: [e: 91_500], perpetualPrice: 90_050.5,
                                                    surface: [VolQuote(expiry: e, strikes: [70_000, 90_000], vols: [0.6, 0.53])]))
        #expect(event.payload == #"{"forwards":[{"expiry":"2026-03-27T08:00:00Z","price":91500}],"index":90000,"#
            + #""perpetualPrice":90050.5,"rate":0.01,"time":"2026-01-09T08:00:00Z","type":"market","underlying":"BTC","#
            + #""volSurface":[{"expiry":"2026-03-27T08:00:00Z","points":[{"iv":0.6,"strike":70000},{"iv":0.53,"strike":90000}]}]}"#)
        #expect(try EngineEvent(payload: event.payload) == event)
        // The fields of the event are an underlying of market.json: its decoder reads them.
        let node = try JSONNode.parse(event.payload)
        let market = try UnderlyingMarket(json: node, name: "BTC", valuationTime: t)
        #expect(market.perpetualPrice == 90_050.5 && market.forwards == [e: 91_500] && market.volSurface?.quotes.count == 1)
        // `volSurface: []` (remove the surface) round-trips, distinct from an absent surface.
        let removal = EngineEvent.market(MarketUpdate(underlying: "SOL", time: t, surface: []))
        #expect(removal.payload.contains(#""volSurface":[]"#))
        #expect(try EngineEvent(payload: removal.payload) == removal)
    }

    @Test("one-sided fill events and entry-price positions (before two-sided trades) are not readable (ENGINE.md)")
    func fillsAndEntryPricesAreRefused() {
        let fill = #"{"account":"a","fee":"0","feeCurrency":"USD","instrument":"BTC-PERP","price":"1","#
            + #""quantity":"1","type":"fill"}"#
        #expect(throws: EngineError.self) { try EngineEvent(payload: fill) }
        var state = EngineState()
        state.accounts["a"] = AccountState(positions: ["BTC-PERP": PositionState(quantity: 1, cost: 100_000)])
        let old = state.payload.replacingOccurrences(of: #""cost":"100000""#, with: #""entryPrice":"100000""#)
        #expect(old.contains("entryPrice"))
        #expect(throws: EngineError.self) { try EngineState(payload: old) }
    }

    @Test("journals in the format before 2026-12-01 are not readable (documented in ENGINE.md)")
    func oldFormatIsRefused() {
        let old = #"{"forwards":{"2026-03-27T08:00:00Z":91500},"index":90000,"time":"2026-01-09T08:00:00Z","type":"market","underlying":"BTC"}"#
        #expect(throws: EngineError.self) { try EngineEvent(payload: old) }
    }

    @Test("a snapshot's markets are market.json underlyings with their valuation time; its instruments portfolio.json instruments")
    func snapshotUsesTheFileFormats() async throws {
        let engine = try await F.emptyEngine()
        let btc = try #require(await engine.state.markets["BTC"])
        try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time,
                                                     perpetualPrice: btc.index * 1.001)))
        let state = await engine.state
        let root = try JSONNode.parse(state.payload)
        for (name, node) in try root.required("markets").object() {
            let time = try node.required("valuationTime").instant()
            #expect(try UnderlyingMarket(json: node, name: name, valuationTime: time) == state.markets[name])
        }
        for (id, node) in try root.required("instruments").object() {
            #expect(try Instrument(json: node) == state.instruments[id])
        }
        #expect(try RiskParameters(json: root.required("parameters")) == state.parameters)
        // The whole snapshot round-trips, and re-encodes to the same text.
        let decoded = try EngineState(payload: state.payload)
        #expect(decoded == state)
        #expect(decoded.payload == state.payload)
    }

    @Test("an engine market after any update equals the same market decoded from its JSON (apply, replay and snapshot agree)")
    func mergedMarketRoundTrips() async throws {
        var market = F.market
        let engine = try await F.emptyEngine()
        for k in 0..<8 {
            var m = market.step(k % 2, seconds: 90, withSurface: k % 3 == 0)
            if k == 4 { m.perpetualPrice = m.index.map { $0 * 0.999 } }
            try await engine.submit(.market(m))
            for (name, u) in await engine.state.markets {
                let node = try JSONNode.parse(u.json(includingValuationTime: true).serialized())
                let back = try UnderlyingMarket(json: node, name: name, valuationTime: u.valuationTime)
                #expect(back == u, "\(name) after update \(k)")
            }
        }
    }
}
