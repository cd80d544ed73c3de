import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import Testing

/// `POST /v1/trades`, `POST /v1/books`, `GET /v1/liquidations` and `GET /v1/insurance-fund` over loopback: what
/// each journals or reads, checked against the engine's state and journal.
@Suite struct LiquidationEndpointTests {
    /// A generated account, a liquidity provider and a perpetual of the fixture.
    static func parties(_ f: ServerFixture) async -> (trader: String, provider: String, perpetual: String) {
        let state = await f.engine.state
        let trader = state.accounts.keys.filter { $0.hasPrefix("acct-") }.sorted()[0]
        let provider = state.accounts.keys.filter { $0.hasPrefix("lp-") }.sorted()[0]
        let perpetual = state.instruments.keys.sorted().first { state.instruments[$0]?.kind == .perpetual }!
        return (trader, provider, perpetual)
    }

    @Test func aTradeMovesBothSidesByItsQuantity() async throws {
        let f = try await ServerFixture.open()
        let (trader, provider, perp) = await Self.parties(f)
        let before = await f.engine.state
        let index = before.markets[before.instruments[perp]!.underlying]!.index
        try await f.run(close: false) { c in
            let body = #"{"buyer":"\#(trader)","seller":"\#(provider)","instrument":"\#(perp)","quantity":"0.1","price":\#(Int(index))}"#
            let r = try await c.call(.post, "/v1/trades", body: body)
            #expect(r.status == .ok, "\(r.text)")
            #expect((r.json?["sequence"] as? Int).map { $0 > Int(before.sequence) } == true)
            let view = try await c.call(.get, "/v1/accounts/\(trader)")
            let positions = try #require(view.json?["positions"] as? [[String: Any]])
            let q = positions.first { $0["instrument"] as? String == perp }?["quantity"] as? String
            let was = before.accounts[trader]?.positions[perp]?.quantity ?? 0
            #expect(q.flatMap { Decimal(string: $0) } == was + Decimal(string: "0.1")!)
            // A misspelt field is a 400 naming it; a non-positive quantity the engine's 422; neither journals a
            // trade (the 422 journals only its request record, so that a retry under its key gets the same 422).
            let journal = try await f.journal()
            let misspelt = try await c.call(.post, "/v1/trades", body: body.replacingOccurrences(of: "\"price\"", with: "\"prize\""))
            #expect(misspelt.status == .badRequest)
            #expect(misspelt.json?["field"] as? String == "$.prize")
            let missing = try await c.call(.post, "/v1/trades", body: #"{"buyer":"\#(trader)","instrument":"\#(perp)","quantity":"1","price":"1"}"#)
            #expect(missing.status == .badRequest, "\(missing.text)")
            #expect((missing.json?["field"] as? String)?.contains("seller") == true, "\(missing.text)")
            let negative = try await c.call(.post, "/v1/trades", body: body.replacingOccurrences(of: "\"0.1\"", with: "\"-1\""))
            #expect(negative.status == .unprocessableContent, "\(negative.text)")
            let added = try await f.journal().dropFirst(journal.count)
            #expect(added.count <= 1)
            #expect(!added.contains { $0.payload.contains(#""type":"trade""#) }, "\(added.map(\.payload))")
        }
        let after = await f.engine.state
        let sellerWas = before.accounts[provider]?.positions[perp]?.quantity ?? 0
        #expect(after.accounts[provider]?.positions[perp]?.quantity ?? 0 == sellerWas - Decimal(string: "0.1")!)
        await f.engine.close()
    }

    @Test func aBookReplacesTheInstrumentsLadder() async throws {
        let f = try await ServerFixture.open()
        let (_, provider, perp) = await Self.parties(f)
        try await f.run(close: false) { c in
            let body = #"{"instrument":"\#(perp)","bids":[{"price":"99","size":"2","account":"\#(provider)"}],"asks":[{"price":"101","size":"3","account":"\#(provider)"}]}"#
            let r = try await c.call(.post, "/v1/books", body: body)
            #expect(r.status == .ok, "\(r.text)")
            let bad = try await c.call(.post, "/v1/books", body: #"{"instrument":"\#(perp)","bids":[{"price":"99","size":"2","acount":"x"}]}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.json?["field"] as? String == "$.bids[0].acount", "\(bad.text)")
            let zero = try await c.call(.post, "/v1/books", body: #"{"instrument":"\#(perp)","bids":[{"price":"0","size":"2","account":"\#(provider)"}]}"#)
            #expect(zero.status == .unprocessableContent, "\(zero.text)")
        }
        let book = await f.engine.state.books[perp]
        #expect(book?.bids == [BookLevel(price: 99, size: 2, account: provider)])
        #expect(book?.asks == [BookLevel(price: 101, size: 3, account: provider)])
        await f.engine.close()
    }

    @Test func theLiquidationFeedPagesThroughTheJournaledActions() async throws {
        let f = try await ServerFixture.open()
        let crash = await EndpointTests.marketBody(f, index: await f.engine.state.markets["BTC"]!.index * 0.75)
        try await f.run(close: false) { c in
            #expect(try await c.call(.post, "/v1/market", body: crash).status == .ok)
            // What the journal holds, read independently.
            let kinds: Set<String> = ["marginCall", "liquidation", "liquidationEnd", "takeover", "deleverage", "alert"]
            let expected = try await f.journal().compactMap { r -> UInt64? in
                guard let event = try? EngineEvent(payload: r.payload), kinds.contains(event.kind) else { return nil }
                return r.sequence
            }
            #expect(!expected.isEmpty, "a 25% crash liquidates someone in the fixture")
            var seen: [UInt64] = []
            var cursor: String?
            var pages = 0
            repeat {
                let r = try await c.call(.get, "/v1/liquidations?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(r.status == .ok, "\(r.text)")
                let items = try #require(r.json?["items"] as? [[String: Any]])
                #expect(items.count <= 3)
                for item in items {
                    #expect(kinds.contains(item["type"] as? String ?? ""))
                    seen.append(UInt64(item["sequence"] as? Int ?? 0))
                }
                cursor = r.json?["next"] as? String
                pages += 1
            } while cursor != nil && pages < 10_000
            #expect(seen == expected)
            let first = try await c.call(.get, "/v1/liquidations?limit=1")
            let call = try #require((first.json?["items"] as? [[String: Any]])?.first)
            #expect(call["type"] as? String == "marginCall", "an episode opens with its margin call")
            #expect(call["account"] is String)
            #expect(try await c.call(.get, "/v1/liquidations?cursor=-1").json?["field"] as? String == "cursor")
            #expect(try await c.call(.get, "/v1/liquidations?limit=0").status == .badRequest)
        }
        await f.engine.close()
    }

    @Test func theInsuranceFundIsTheFundAccountsLedger() async throws {
        let f = try await ServerFixture.open()
        let state = await f.engine.state
        let name = state.liquidation.insuranceFund
        try await f.run { c in
            let r = try await c.call(.get, "/v1/insurance-fund")
            #expect(r.status == .ok, "\(r.text)")
            #expect(r.json?["account"] as? String == name)
            #expect(r.json?["exists"] as? Bool == true)
            let balances = try #require(r.json?["balances"] as? [String: String])
            #expect(balances["USD"].flatMap { Decimal(string: $0) } == state.accounts[name]?.balances["USD"])
            #expect((r.json?["margin"] as? [String: Any])?["equity"] is Double)
            #expect(r.json?["halted"] is NSNull)
        }
    }
}
