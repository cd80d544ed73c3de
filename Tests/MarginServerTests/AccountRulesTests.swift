import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import Testing

/// Issue 19, findings 6, 7 and 9 over loopback: account ids are printable ASCII (letters, digits, `-_.:`), 1–128
/// bytes; the insurance fund and the fee account are not withdrawn from through the API; an owner key is only for
/// an existing account; a trade's fee and price are bounded (``TradeRules``).
@Suite struct AccountRulesTests {
    @Test("a deposit cannot create an id the API could not address: space, /, %, ?, é, NUL, U+202E, NFD, 129 bytes; no account created")
    func unaddressableIdsAreRefused() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            let accounts = await f.engine.state.accounts.count
            let bad = ["a b", "a/b", "a%2Fb", "a?b", "misc-caf\\u00e9", "misc-cafe\\u0301", "nul\\u0000x", "rlo\\u202ex",
                       String(repeating: "x", count: 129), "", "a#b", "a+b"]
            for id in bad {
                let r = try await c.call(.post, "/v1/deposits",
                                         body: #"{"account":"\#(id)","currency":"USD","amount":"1"}"#)
                #expect(r.status == .unprocessableContent || r.status == .badRequest, "\(id): \(r.text)")
            }
            #expect(await f.engine.state.accounts.count == accounts, "no account created")
            // Every allowed byte, 128 of them: created, and addressable by its path.
            let good = "Acct_1.x:y-" + String(repeating: "z", count: 117)
            #expect(good.utf8.count == 128)
            let r = try await c.call(.post, "/v1/deposits", body: #"{"account":"\#(good)","currency":"USD","amount":"1"}"#)
            #expect(r.status == .ok, "\(r.text)")
            #expect(try await c.call(.get, "/v1/accounts/\(good)").status == .ok)
        }
    }

    @Test("no withdrawal from the insurance fund or the fee account through the API (422 system_account)")
    func systemAccountsAreNotWithdrawnFrom() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            for system in ["insurance-fund", "fees"] {
                _ = try await c.call(.post, "/v1/deposits",
                                     body: #"{"account":"\#(system)","currency":"USD","amount":"100"}"#)
                let journal = try await f.journal()
                let r = try await c.call(.post, "/v1/withdrawals",
                                         body: #"{"account":"\#(system)","currency":"USD","amount":"1"}"#)
                #expect(r.status == .unprocessableContent, "\(system): \(r.text)")
                #expect(r.json?["error"] as? String == "system_account")
                #expect(try await f.journal() == journal)
            }
        }
    }

    @Test("an owner key is only for an existing account (422 unknown_account)")
    func ownerKeyNeedsAnAccount() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            let journal = try await f.journal()
            let r = try await c.call(.post, "/v1/keys", body: #"{"role":"owner","account":"nosuch"}"#)
            #expect(r.status == .unprocessableContent, "\(r.text)")
            #expect(r.json?["error"] as? String == "unknown_account")
            #expect(try await f.journal() == journal)
            let own = await f.account(0)
            #expect(try await c.call(.post, "/v1/keys", body: #"{"role":"owner","account":"\#(own)"}"#).status == .created)
        }
    }

    @Test("the reported trade: 0.001 BTC-PERP with buyerFee −500000 is refused 422 naming the bound; a price 20% off the mark too")
    func feeAndPriceBoundsOverTheAPI() async throws {
        let f = try await ServerFixture.open()
        let (buyer, seller) = (await f.account(0), await f.account(1))
        let mark = try #require(await f.engine.state.markets["BTC"]).perpetualPrice.rounded()
        try await f.run { c in
            func trade(price: Double, fee: String) -> String {
                #"{"buyer":"\#(buyer)","seller":"\#(seller)","instrument":"BTC-PERP","quantity":"0.001","price":"\#(Int(price))","buyerFee":"\#(fee)"}"#
            }
            let rebate = try await c.call(.post, "/v1/trades", body: trade(price: mark, fee: "-500000"))
            #expect(rebate.status == .unprocessableContent, "\(rebate.text)")
            #expect((rebate.json?["message"] as? String)?.contains("buyerFee") == true, "\(rebate.text)")
            let away = try await c.call(.post, "/v1/trades", body: trade(price: mark * 1.2, fee: "0"))
            #expect(away.status == .unprocessableContent, "\(away.text)")
            #expect((away.json?["message"] as? String)?.contains("±10%") == true, "\(away.text)")
            #expect(await f.engine.state.accounts["fees"]?.balances["USD"].map { $0 >= 0 } ?? true)
        }
    }
}
