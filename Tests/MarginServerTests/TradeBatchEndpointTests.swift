import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger
import Testing

/// `POST /v1/trades/batch`: per-trade results in order, idempotent by trade id (per API key), answered once the
/// batch is durable; a malformed trade is a 400 naming its path and nothing of the request is applied.
@Suite struct TradeBatchEndpointTests {
    /// A trade of `f`'s first trader against its first provider in its first perpetual at the index, as JSON text
    /// with its `id` (the batch endpoint's and the ingest stream's trade), by id and quantity.
    static func identifiedTrades(_ f: ServerFixture) async -> @Sendable (String, String) -> String {
        let (trader, provider, perp) = await LiquidationEndpointTests.parties(f)
        let state = await f.engine.state
        let index = Int(state.markets[state.instruments[perp]!.underlying]!.index)
        return { id, quantity in
            #"{"id":"\#(id)","buyer":"\#(trader)","seller":"\#(provider)","instrument":"\#(perp)","quantity":"\#(quantity)","price":\#(index)}"#
        }
    }

    @Test func perTradeResultsIdempotentByTradeIDAndDurableWhenAnswered() async throws {
        let f = try await ServerFixture.open()
        let (trader, _, perp) = await LiquidationEndpointTests.parties(f)
        let before = await f.engine.state
        let trade = await Self.identifiedTrades(f)
        try await f.run(close: false) { c in
            // a: accepted; b: refused by the engine (far beyond the trader's margin); a again: the answer kept.
            let body = #"{"trades":[\#(trade("a", "0.1")),\#(trade("b", "1e9")),\#(trade("a", "0.1"))]}"#
            let r = try await c.call(.post, "/v1/trades/batch", body: body)
            #expect(r.status == .ok, "\(r.text)")
            let results = try #require(r.json?["results"] as? [[String: Any]])
            try #require(results.count == 3)
            #expect(results.map { $0["id"] as? String } == ["a", "b", "a"])
            #expect(results.map { $0["status"] as? Int } == [200, 422, 200])
            let sequence = try #require(results[0]["sequence"] as? Int)
            #expect(results[1]["error"] as? String == "rejected")
            #expect(results[2]["sequence"] as? Int == sequence && results[2]["replayed"] as? Bool == true)
            // Answered after durability: the trade is in the journal at its sequence.
            let journal = try await f.journal()
            let record = try #require(journal.first { $0.sequence == UInt64(sequence) })
            guard case .trade(let t) = try EngineEvent(payload: record.payload) else {
                Issue.record("not a trade: \(record.payload)"); return
            }
            #expect(t.buyer == trader && t.quantity == Decimal(string: "0.1")!)
            let position = await f.engine.state.accounts[trader]?.positions[perp]?.quantity ?? 0
            #expect(position == (before.accounts[trader]?.positions[perp]?.quantity ?? 0) + Decimal(string: "0.1")!)
            // The same ids again: the same answers, nothing journaled.
            let again = try await c.call(.post, "/v1/trades/batch", body: #"{"trades":[\#(trade("a", "0.1")),\#(trade("b", "1e9"))]}"#)
            let replayed = try #require(again.json?["results"] as? [[String: Any]])
            #expect(replayed.map { $0["status"] as? Int } == [200, 422])
            #expect(replayed.allSatisfy { $0["replayed"] as? Bool == true })
            #expect(replayed[0]["sequence"] as? Int == sequence)
            #expect(try await f.journal() == journal)
            // An id reused for another trade: a per-trade 422, nothing applied.
            let reused = try await c.call(.post, "/v1/trades/batch", body: #"{"trades":[\#(trade("a", "0.2"))]}"#)
            let reusedResults = try #require(reused.json?["results"] as? [[String: Any]])
            #expect(reusedResults.first?["status"] as? Int == 422)
            #expect(reusedResults.first?["error"] as? String == "idempotency_key_reused")
            #expect(try await f.journal() == journal)
            // Malformed: a 400 naming the trade's field, nothing of the request submitted.
            let bad = try await c.call(.post, "/v1/trades/batch",
                                       body: #"{"trades":[\#(trade("c", "0.1")),\#(trade("d", "x"))]}"#)
            #expect(bad.status == .badRequest, "\(bad.text)")
            #expect(bad.json?["field"] as? String == "$.trades[1].quantity", "\(bad.text)")
            let noID = try await c.call(.post, "/v1/trades/batch", body: #"{"trades":[\#(trade("c", "0.1").replacingOccurrences(of: #""id":"c","#, with: ""))]}"#)
            #expect(noID.status == .badRequest)
            #expect(noID.json?["field"] as? String == "$.trades[0].id", "\(noID.text)")
            let empty = try await c.call(.post, "/v1/trades/batch", body: #"{"trades":[]}"#)
            #expect(empty.status == .badRequest)
            #expect(try await f.journal() == journal)
        }
    }
}
