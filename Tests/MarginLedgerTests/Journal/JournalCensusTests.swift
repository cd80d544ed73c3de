import Foundation
import MarginCore
import MarginLedger
import Testing

@Suite("JournalCensus: a journal's records by event kind")
struct JournalCensusTests {
    private static func records(_ events: [EngineEvent]) -> [JournalRecord] {
        events.enumerated().map { JournalRecord(sequence: UInt64($0.offset + 1), payload: $0.element.payload) }
    }

    @Test("counts each kind, across pages, and prints the most frequent first")
    func countsByKind() async throws {
        let deposit = EngineEvent.deposit(Transfer(account: "a", currency: "USD", amount: 100))
        let trade = EngineEvent.trade(Trade(buyer: "a", seller: "b", instrument: "BTC-PERP", quantity: 1,
                                            price: 100, buyerFee: 0))
        // More than a page of trades, so the pages are joined.
        let events = [deposit, deposit] + Array(repeating: trade, count: JournalCensus.pageSize + 3)
        let store = InMemoryJournal()
        try store.append(Self.records(events))
        let census = try await JournalCensus.count(store)
        #expect(census.counts == ["deposit": 2, "trade": JournalCensus.pageSize + 3])
        #expect(census.total == events.count)
        #expect(census.line == "events: trade \(JournalCensus.pageSize + 3), deposit 2")
    }

    @Test("an empty journal says so")
    func empty() async throws {
        #expect(try await JournalCensus.count(InMemoryJournal()).line == "events: none")
    }

    @Test("a record without a type is an error naming its sequence")
    func corrupt() throws {
        var census = JournalCensus()
        do {
            try census.add(JournalRecord(sequence: 7, payload: "{\"account\":\"a\"}"))
            Issue.record("a record without a type was counted")
        } catch {
            guard case .corruptRecord(let sequence, _) = error else {
                Issue.record("expected corruptRecord, got \(error)")
                return
            }
            #expect(sequence == 7)
        }
        #expect(census.total == 0)
    }
}
