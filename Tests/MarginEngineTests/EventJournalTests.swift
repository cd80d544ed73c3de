import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Events survive the journal's JSON unchanged (canonical, sorted keys, exact decimals).
@Suite struct EventJournalTests {
    static let samples: [EngineEvent] = {
        let t = Instant(secondsSinceEpoch: 1_767_225_600)
        let option = Instrument(underlying: "BTC", kind: .option(OptionContract(expiry: t.adding(seconds: 86_400 * 30),
                                                                                 strike: 105_000.5, right: .put)),
                                settlement: .inverse)
        var params = RiskParameters.reference
        params.priceRange = 0.2
        params.correlationMode = .correlated
        return [
            .deposit(Transfer(account: "a\"1", currency: "USD", amount: Decimal(string: "1000.10")!)),
            .withdrawal(Transfer(account: "a1", currency: "BTC", amount: Decimal(string: "0.00000001")!)),
            .trade(Trade(buyer: "a1", seller: "lp \"b\"", instrument: "X", quantity: Decimal(string: "1.5")!,
                         price: Decimal(string: "0.0123")!, buyerFee: Decimal(string: "0.0001")!,
                         sellerFee: Decimal(string: "-0.00005")!, feeCurrency: "BTC")),
            .market(MarketUpdate(underlying: "BTC", time: t, index: 100_000.123456789, rate: 0.01,
                                 forwards: [t.adding(seconds: 86_400): 100_010.5],
                                 surface: [VolQuote(expiry: t.adding(seconds: 86_400), strikes: [90_000, 110_000],
                                                    vols: [0.6, 0.55])])),
            .market(MarketUpdate(underlying: "ETH", time: t, index: 3_500)),
            .listing(Listing(id: "BTC-P", instrument: option)),
            .listing(Listing(id: "BTC-PERP", instrument: Instrument(underlying: "BTC", kind: .perpetual, settlement: .linear))),
            .expiry(Expiry(instrument: "BTC-P", settlementPrice: Decimal(string: "99999.99")!)),
            .parameters(params),
            .health(HealthChange(account: "a1", from: .healthy, to: .liquidation, equity: 1.0 / 3.0,
                                 maintenanceMargin: 2e-300, initialMargin: 12_345.678)),
            .book(BookUpdate(instrument: "BTC-PERP", book: OrderBook(
                bids: [BookLevel(price: Decimal(string: "99999.5")!, size: 2, account: "lp-0")],
                asks: [BookLevel(price: 100_001, size: Decimal(string: "0.000000000000000001")!, account: "lp-1")]))),
            .liquidationSettings({
                var s = LiquidationSettings()
                s.backstops = ["b1", "b2"]
                s.buffer = Decimal(string: "0.25")!
                s.enabled = false
                s.maxStepsPerRound = 3
                return s
            }()),
            .clock(t.adding(seconds: 5)),
            .marginCall(MarginCall(account: "a1", equity: 900.5, maintenanceMargin: 1_000, shortfall: 99.5, time: t)),
            .liquidation(LiquidationStep(account: "a1", instrument: "BTC-PERP", action: .reduce, side: .sell,
                                         fills: [.init(price: Decimal(string: "99999.5")!, size: 1, account: "lp-0")],
                                         fee: Decimal(string: "499.9975")!, feeCurrency: "USD", time: t,
                                         maintenanceMarginBefore: 15_800, maintenanceMarginAfter: 7_900, cost: 999.9)),
            .liquidationEnd(LiquidationEnd(account: "a1", equity: 9_000, maintenanceMargin: 7_900, time: t)),
            .takeover(Takeover(account: "a1", transfers: [
                .init(to: "b1", instrument: "BTC-PERP", quantity: Decimal(string: "0.75")!, price: 98_000),
                .init(to: "insurance-fund", instrument: "BTC-P", quantity: -1, price: 0)],
                time: t, equity: -12.5, fundPays: 42)),
            .deleverage(Deleverage(account: "a1", counterparty: "c", instrument: "BTC-PERP", side: .buy, quantity: 2,
                                   price: Decimal(string: "101234.5678901234")!, markPrice: 100_000, rank: 1,
                                   score: 1.25, time: t)),
            .alert(LiquidationAlert(reason: "money: USD changed by 1, expected 0", time: t)),
            .alert(LiquidationAlert(kind: .uncoveredLoss, reason: "a loss nobody covered", amount: 1_234.5, time: t)),
        ]
    }()

    @Test("every event kind round-trips through its journal payload", arguments: samples)
    func roundTrip(event: EngineEvent) throws {
        let payload = event.payload
        let decoded = try EngineEvent(payload: payload)
        #expect(decoded == event)
        #expect(decoded.payload == payload, "serialization is canonical")
    }

    @Test("a bad field is named in the error")
    func badField() {
        #expect(throws: EngineError.self) { try EngineEvent(payload: #"{"type":"deposit","account":"a","currency":"USD","amount":"12x"}"#) }
        do {
            _ = try EngineEvent(payload: #"{"type":"deposit","account":"a","currency":"USD","amount":"12x"}"#)
        } catch {
            #expect("\(error)".contains("amount"))
        }
    }

    @Test("the in-memory journal round-trips records and rejects gaps")
    func inMemoryJournal() async throws {
        let store = InMemoryJournal()
        let records = Self.samples.enumerated().map { JournalRecord(sequence: UInt64($0 + 1), payload: $1.payload) }
        try store.append(records)
        #expect(try await store.allRecords(after: 0) == records)
        #expect(try store.records(after: 3, limit: 2) == Array(records[3..<5]))
        #expect(throws: EngineError.self) { try store.append([JournalRecord(sequence: 99, payload: "{}")]) }
        #expect(try store.lastSequence() == UInt64(records.count))
    }

    @Test("a snapshot round-trips the whole state")
    func stateRoundTrip() throws {
        let state = EngineFixtures.genesis()
        let decoded = try EngineState(payload: state.payload)
        #expect(decoded == state)
    }
}
