import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import Testing

/// Bad JSON, wrong types, unknown fields and huge bodies: 4xx naming the field, and the journal unchanged.
@Suite struct StrictInputTests {
    @Test func badBodiesAre4xxAndChangeNothing() async throws {
        let f = try await ServerFixture.open()
        let name = await f.account(0)
        try await f.run { c in
            let journal = try await f.journal()
            let cases: [(String, String, HTTPResponse.Status, String?)] = [
                ("/v1/deposits", #"{"account":"\#(name)","currency":"USD","amount":"#, .badRequest, nil),
                ("/v1/deposits", #"{"account":"\#(name)","currency":"USD","amount":true}"#, .badRequest, "$.amount"),
                ("/v1/deposits", #"{"account":42,"currency":"USD","amount":"1"}"#, .badRequest, "$.account"),
                ("/v1/deposits", #"{"account":"\#(name)","currency":"USD","amount":"1","memo":"x"}"#, .badRequest, "$.memo"),
                ("/v1/deposits", #"{"account":"\#(name)","currency":"USD"}"#, .badRequest, "$.amount"),
                ("/v1/deposits", #"[1,2]"#, .badRequest, nil),
                ("/v1/deposits", "", .badRequest, "$"),
                ("/v1/withdrawals", #"{"account":"\#(name)","currency":"USD","amount":"abc"}"#, .badRequest, "$.amount"),
                ("/v1/market", #"{"underlying":"BTC","time":"2026-01-01T00:00:00Z","indx":1}"#, .badRequest, "$.indx"),
                ("/v1/market", #"{"underlying":"BTC","time":"yesterday","index":1}"#, .badRequest, nil),
                ("/v1/market", #"{"underlying":"BTC","time":"2026-01-01T00:00:00Z","forwards":[{"expiry":"2026-03-27T08:00:00Z","price":1,"x":1}]}"#,
                 .badRequest, "$.forwards[0].x"),
                ("/v1/trades", #"{"buyer":42,"seller":"\#(name)","instrument":"BTC-PERP","quantity":1,"price":1}"#,
                 .badRequest, "$.buyer"),
                ("/v1/trades", #"{"buyer":"\#(name)","seller":"x","instrument":"BTC-PERP","quantity":true,"price":1}"#,
                 .badRequest, "$.quantity"),
                ("/v1/books", #"{"instrument":"BTC-PERP","bids":[{"price":[1],"size":1,"account":"x"}]}"#, .badRequest,
                 "$.bids[0].price"),
                ("/v1/keys", #"{"role":"superuser"}"#, .badRequest, "$.role"),
                ("/v1/keys", #"{"role":"viewer","scope":"all"}"#, .badRequest, "$.scope"),
                ("/v1/accounts/\(name)/what-if", #"{"kind":"perpetual","underlying":"BTC","settlement":"linear","quantity":1,"qty":2}"#,
                 .badRequest, "$.qty"),
            ]
            for (path, body, status, field) in cases {
                let r = try await c.call(.post, path, body: body)
                #expect(r.status == status, "\(path) \(body): \(r.status.code) \(r.text)")
                if let field { #expect(r.json?["field"] as? String == field, "\(path) \(body): \(r.text)") }
                #expect(r.json?["message"] is String)
            }
            let put = try await c.call(.put, "/v1/parameters", body: #"{"priceRang":0.2}"#)
            #expect(put.status == .badRequest)
            #expect(put.text.contains("priceRang"))
            let huge = "{\"account\":\"\(name)\",\"currency\":\"USD\",\"amount\":\"1\",\"pad\":\""
                + String(repeating: "x", count: 1 << 20) + "\"}"
            let tooLarge = try await c.call(.post, "/v1/deposits", body: huge)
            #expect(tooLarge.status == .contentTooLarge)
            let badKey = try await c.call(.post, "/v1/deposits", body: #"{"account":"\#(name)","currency":"USD","amount":"1"}"#,
                                          idempotencyKey: String(repeating: "k", count: 300))
            #expect(badKey.status == .badRequest)
            let noKey = try await c.call(.post, "/v1/deposits", body: #"{"account":"\#(name)","currency":"USD","amount":"1"}"#,
                                         autoIdempotencyKey: false)
            #expect(noKey.status == .badRequest)
            #expect(noKey.json?["field"] as? String == "Idempotency-Key")
            #expect(try await f.journal() == journal)
        }
    }
}
