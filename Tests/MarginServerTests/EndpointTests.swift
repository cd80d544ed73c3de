import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import Testing

/// Every endpoint over a real loopback connection, as the admin: its status and the shape of its answer.
@Suite struct EndpointTests {
    /// A market update of BTC one second after the engine's market time, at `index`.
    static func marketBody(_ f: ServerFixture, index: Double, seconds: Int64 = 1) async -> String {
        let time = await f.engine.state.markets["BTC"]!.time.adding(seconds: seconds)
        return "{\"underlying\":\"BTC\",\"time\":\"\(time.iso8601)\",\"index\":\(index)}"
    }

    @Test func operationsEndpointsAnswer() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            #expect(try await c.call(.get, "/healthz", key: nil).status == .ok)
            let ready = try await c.call(.get, "/readyz", key: nil)
            #expect(ready.status == .ok)
            #expect(ready.json?["status"] as? String == "ready")
            let metrics = try await c.call(.get, "/metrics", key: nil)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("margin_accounts"))
            let doc = try await c.call(.get, "/openapi.json", key: nil)
            #expect(doc.json?["openapi"] as? String == "3.1.0")
            let page = try await c.call(.get, "/", key: nil)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("<html"))
            // Self-contained: no outside reference (no URL, no protocol-relative source or link).
            for outside in ["http://", "https://", "src=\"//", "href=\"//", "url(//"] {
                #expect(!page.text.contains(outside), "the dashboard refers outside: \(outside)")
            }
            #expect(page.text.contains("id=\"heatmap-ready\""))
        }
    }

    @Test func accountsListPagesThroughEveryAccountOnce() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            var seen: [String] = []
            var cursor: String?
            repeat {
                let path = "/v1/accounts?limit=5" + (cursor.map { "&cursor=\($0)" } ?? "")
                let r = try await c.call(.get, path)
                #expect(r.status == .ok)
                let items = try #require(r.json?["items"] as? [[String: Any]])
                #expect(items.count <= 5)
                seen += items.compactMap { $0["account"] as? String }
                cursor = r.json?["next"] as? String
            } while cursor != nil
            let all = await f.engine.state.accounts.keys.sorted()
            #expect(seen == all)
            let bad = try await c.call(.get, "/v1/accounts?limit=0")
            #expect(bad.status == .badRequest)
            #expect(bad.json?["field"] as? String == "limit")
        }
    }

    @Test func accountMarginWhatIfAndLiquidationPrice() async throws {
        let f = try await ServerFixture.open()
        let name = await f.account(1)
        try await f.run { c in
            let account = try await c.call(.get, "/v1/accounts/\(name)")
            #expect(account.status == .ok)
            #expect(account.json?["account"] as? String == name)
            #expect(account.json?["balances"] is [String: Any])
            #expect((account.json?["positions"] as? [Any])?.isEmpty == false)

            let margin = try await c.call(.get, "/v1/accounts/\(name)/margin")
            #expect(margin.status == .ok)
            let engineMargin = try #require(await f.engine.margin(of: name))
            let mm = try #require(margin.json?["maintenanceMargin"] as? Double)
            #expect(abs(mm - engineMargin.maintenanceMargin) <= 1e-9 * max(1, abs(mm)))
            #expect(margin.json?["preset"] as? String == "reference")
            #expect(margin.json?["positions"] is [Any])

            let leg = #"{"kind":"perpetual","underlying":"BTC","settlement":"linear","quantity":-0.1}"#
            let whatIf = try await c.call(.post, "/v1/accounts/\(name)/what-if", body: leg)
            #expect(whatIf.status == .ok, "\(whatIf.text)")
            #expect(whatIf.json?["accepted"] is Bool)
            #expect(whatIf.json?["before"] is [String: Any])
            #expect(whatIf.json?["after"] is [String: Any])
            #expect(whatIf.json?["reason"] is String)

            let prices = try await c.call(.get, "/v1/accounts/\(name)/liquidation-price")
            #expect(prices.status == .ok)
            #expect(prices.json?["underlyings"] is [String: Any])

            #expect(try await c.call(.get, "/v1/accounts/nobody").status == .notFound)
            #expect(try await c.call(.get, "/v1/accounts/nobody/margin").status == .notFound)
        }
    }

    @Test func depositsWithdrawalsAndMarketAreJournaled() async throws {
        let f = try await ServerFixture.open()
        let name = await f.account(2)
        try await f.run { c in
            let before = await f.engine.sequence
            let deposit = try await c.call(.post, "/v1/deposits",
                                           body: #"{"account":"\#(name)","currency":"USD","amount":"250.25"}"#)
            #expect(deposit.status == .ok, "\(deposit.text)")
            #expect(deposit.json?["sequence"] as? Double == Double(before + 1))
            let balance = await f.engine.state.accounts[name]?.balances["USD"]
            let withdrawal = try await c.call(.post, "/v1/withdrawals",
                                              body: #"{"account":"\#(name)","currency":"USD","amount":0.25}"#)
            #expect(withdrawal.status == .ok || withdrawal.status == .unprocessableContent, "\(withdrawal.text)")
            if withdrawal.status == .ok {
                #expect(await f.engine.state.accounts[name]?.balances["USD"] == balance.map { $0 - Decimal(string: "0.25")! })
            }
            let overdraw = try await c.call(.post, "/v1/withdrawals",
                                            body: #"{"account":"\#(name)","currency":"USD","amount":"1e12"}"#)
            #expect(overdraw.status == .unprocessableContent)
            #expect(overdraw.json?["error"] as? String == "rejected")

            let index = await f.engine.state.markets["BTC"]!.index * 1.01
            let market = try await c.call(.post, "/v1/market", body: await EndpointTests.marketBody(f, index: index))
            #expect(market.status == .ok, "\(market.text)")
            #expect(await f.engine.state.markets["BTC"]?.index == index)
            let stale = try await c.call(.post, "/v1/market", body: await EndpointTests.marketBody(f, index: 1, seconds: -60))
            #expect(stale.status == .unprocessableContent, "\(stale.text)")
        }
    }

    @Test func parametersReadAndReplace() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            let read = try await c.call(.get, "/v1/parameters")
            #expect(read.status == .ok)
            #expect(read.json?["initialToMaintenance"] as? Double == 1.3)
            var changed = read.text.replacingOccurrences(of: "\"initialToMaintenance\":1.3", with: "\"initialToMaintenance\":1.4")
            let put = try await c.call(.put, "/v1/parameters", body: changed)
            #expect(put.status == .ok, "\(put.text)")
            #expect(await f.engine.state.parameters.initialToMaintenance == 1.4)
            changed = changed.replacingOccurrences(of: "\"initialToMaintenance\":1.4", with: "\"initialToMaintenance\":-1")
            let bad = try await c.call(.put, "/v1/parameters", body: changed)
            #expect(bad.status.code >= 400 && bad.status.code < 500)
            #expect(await f.engine.state.parameters.initialToMaintenance == 1.4)
        }
    }

    @Test func keysAreCreatedListedAndRevoked() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            let created = try await c.call(.post, "/v1/keys", body: #"{"role":"viewer"}"#)
            #expect(created.status == .created)
            let key = try #require(created.json?["key"] as? String)
            let id = try #require(created.json?["id"] as? String)
            #expect(key.hasPrefix("mk.\(id)."))
            #expect(try await c.call(.get, "/v1/parameters", key: key).status == .ok)
            let list = try await c.call(.get, "/v1/keys")
            let items = try #require(list.json?["items"] as? [[String: Any]])
            #expect(items.contains { $0["id"] as? String == id && $0["role"] as? String == "viewer" })
            #expect(!list.text.contains(key.split(separator: ".")[2]), "the secret is never listed")
            // Stored hashed: the journal holds the id and a hash, never the secret.
            let journal = try await f.journal().map(\.payload).joined()
            #expect(!journal.contains(String(key.split(separator: ".")[2])))
            #expect(try await c.call(.delete, "/v1/keys/\(id)").status == .ok)
            let denied = try await c.call(.get, "/v1/parameters", key: key)
            #expect(denied.status == .unauthorized)
            #expect(try await c.call(.delete, "/v1/keys/\(id)").status == .unprocessableContent)
            #expect(try await c.call(.delete, "/v1/keys/nosuchkey").status == .notFound)
            #expect(try await c.call(.delete, "/v1/keys/admin").status == .conflict)
            let owner = try await c.call(.post, "/v1/keys", body: #"{"role":"owner"}"#)
            #expect(owner.status == .badRequest)
            #expect(owner.json?["field"] as? String == "$.account")
        }
    }
}
