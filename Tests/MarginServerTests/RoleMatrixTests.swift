import Foundation
import HTTPTypes
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import Testing

/// The matrix of roles × endpoints (docs/SERVICE.md): every role's status on every route; an owner reaches only
/// its own account; no key, a wrong key and a revoked key are 401.
@Suite struct RoleMatrixTests {
    /// One call of the matrix: what it sends.
    struct Call {
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        /// The statuses a permitted call may answer (the call itself may be refused by the engine).
        var allowed: Set<Int> = [200]
    }

    @Test func everyRoleGetsTheExpectedStatusOnEveryEndpoint() async throws {
        let f = try await ServerFixture.open()
        let own = await f.account(0)
        let other = await f.account(1)
        let time = await f.engine.state.markets["BTC"]!.time.adding(seconds: 1)
        let index = await f.engine.state.markets["BTC"]!.index
        let parameters = await f.engine.state.parameters.json.serialized(pretty: false)
        let (trader, provider, perp) = await LiquidationEndpointTests.parties(f)
        try await f.run { c in
            var keys: [String: String] = ["admin": ServerFixture.adminKey]
            for role in ["trader", "feeder", "viewer"] { keys[role] = try await f.key(role, client: c) }
            keys["owner"] = try await f.key("owner", account: own, client: c)
            let leg = #"{"kind":"perpetual","underlying":"BTC","settlement":"linear","quantity":0.01}"#
            // (call, roles permitted). Roles not listed get 403.
            var seconds: Int64 = 0
            func market() -> String {
                seconds += 1
                return "{\"underlying\":\"BTC\",\"time\":\"\(time.adding(seconds: seconds).iso8601)\",\"index\":\(index)}"
            }
            let matrix: [(Call, Set<String>)] = [
                (Call(method: .get, path: "/v1/accounts"), ["admin", "trader", "viewer", "owner"]),
                (Call(method: .get, path: "/v1/accounts/\(own)"), ["admin", "trader", "viewer", "owner"]),
                (Call(method: .get, path: "/v1/accounts/\(other)"), ["admin", "trader", "viewer"]),
                (Call(method: .get, path: "/v1/accounts/\(own)/margin"), ["admin", "trader", "viewer", "owner"]),
                (Call(method: .get, path: "/v1/accounts/\(other)/margin"), ["admin", "trader", "viewer"]),
                (Call(method: .post, path: "/v1/accounts/\(own)/what-if", body: leg), ["admin", "trader", "viewer", "owner"]),
                (Call(method: .post, path: "/v1/accounts/\(other)/what-if", body: leg), ["admin", "trader", "viewer"]),
                (Call(method: .get, path: "/v1/accounts/\(own)/liquidation-price"), ["admin", "trader", "viewer", "owner"]),
                (Call(method: .get, path: "/v1/accounts/\(other)/liquidation-price"), ["admin", "trader", "viewer"]),
                (Call(method: .get, path: "/v1/accounts/\(own)/statement"), ["admin", "trader", "viewer", "owner"]),
                (Call(method: .get, path: "/v1/accounts/\(other)/statement"), ["admin", "trader", "viewer"]),
                (Call(method: .get, path: "/v1/accounts/\(own)/proof"), ["admin", "trader", "viewer", "owner"]),
                (Call(method: .get, path: "/v1/accounts/\(other)/proof"), ["admin", "trader", "viewer"]),
                (Call(method: .get, path: "/v1/commitment"), ["admin", "trader", "viewer", "owner"]),
                (Call(method: .get, path: "/v1/venue-key"), ["admin", "trader", "viewer", "owner", "feeder"]),
                (Call(method: .post, path: "/v1/deposits", body: #"{"account":"\#(own)","currency":"USD","amount":"1"}"#),
                 ["admin"]),
                (Call(method: .post, path: "/v1/withdrawals",
                      body: #"{"account":"\#(own)","currency":"USD","amount":"1e12"}"#, allowed: [422]), ["admin"]),
                (Call(method: .get, path: "/v1/parameters"), ["admin", "trader", "viewer", "owner", "feeder"]),
                (Call(method: .put, path: "/v1/parameters", body: parameters), ["admin"]),
                (Call(method: .get, path: "/v1/keys"), ["admin"]),
                (Call(method: .post, path: "/v1/keys", body: #"{"role":"viewer"}"#, allowed: [201]), ["admin"]),
                (Call(method: .delete, path: "/v1/keys/nosuchkey", allowed: [404]), ["admin"]),
                (Call(method: .post, path: "/v1/trades",
                      body: #"{"buyer":"\#(trader)","seller":"\#(provider)","instrument":"\#(perp)","quantity":"1e9","price":"1"}"#,
                      allowed: [422]), ["admin", "trader"]),
                // Per-trade results: the batch answers 200, the oversized trade is a per-trade 422.
                (Call(method: .post, path: "/v1/trades/batch",
                      body: #"{"trades":[{"id":"t-1","buyer":"\#(trader)","seller":"\#(provider)","instrument":"\#(perp)","quantity":"1e9","price":"1"}]}"#),
                 ["admin", "trader"]),
                // The ingest stream: a WebSocket (a plain GET is 426 for the roles that may open it).
                (Call(method: .get, path: "/v1/ingest", allowed: [426]), ["admin", "trader"]),
                (Call(method: .post, path: "/v1/books",
                      body: #"{"instrument":"\#(perp)","bids":[{"price":"1","size":"1","account":"\#(provider)"}]}"#),
                 ["admin", "feeder"]),
                (Call(method: .get, path: "/v1/liquidations"), ["admin", "trader", "viewer"]),
                (Call(method: .get, path: "/v1/insurance-fund"), ["admin", "trader", "viewer"]),
            ]
            for (call, permitted) in matrix {
                for (role, key) in keys.sorted(by: { $0.key < $1.key }) {
                    let r = try await c.call(call.method, call.path, key: key, body: call.body)
                    if permitted.contains(role) {
                        #expect(call.allowed.contains(Int(r.status.code)),
                                "\(role) \(call.method) \(call.path): \(r.status.code) \(r.text)")
                    } else {
                        #expect(r.status == .forbidden, "\(role) \(call.method) \(call.path): \(r.status.code)")
                    }
                }
            }
            // Market data: the feeder and the admin (each its own later time).
            for (role, key) in keys.sorted(by: { $0.key < $1.key }) {
                let r = try await c.call(.post, "/v1/market", key: key, body: market())
                let expected: HTTPResponse.Status = ["admin", "feeder"].contains(role) ? .ok : .forbidden
                #expect(r.status == expected, "\(role) POST /v1/market: \(r.status.code) \(r.text)")
            }
            // Unauthenticated, a wrong key, a malformed header: 401 with WWW-Authenticate.
            for key in [nil, "mk.nosuch.secret", "not-a-key", ServerFixture.adminKey + "x"] as [String?] {
                let r = try await c.call(.get, "/v1/accounts", key: key)
                #expect(r.status == .unauthorized)
                #expect(r.headers[.wwwAuthenticate] == "Bearer")
            }
            let denials = f.metrics.text()
            #expect(denials.contains("margin_http_denials_total"))
        }
    }

    @Test func anOwnerNeverReadsOrChangesAnotherAccount() async throws {
        let f = try await ServerFixture.open()
        let own = await f.account(0)
        let names = await f.engine.state.accounts.keys.sorted()
        try await f.run { c in
            let key = try await f.key("owner", account: own, client: c)
            let list = try await c.call(.get, "/v1/accounts?limit=1000", key: key)
            let items = try #require(list.json?["items"] as? [[String: Any]])
            #expect(items.map { $0["account"] as? String } == [own])
            let before = try await f.journal()
            for other in names where other != own {
                for path in ["/v1/accounts/\(other)", "/v1/accounts/\(other)/margin",
                             "/v1/accounts/\(other)/liquidation-price", "/v1/accounts/\(other)/statement",
                             "/v1/accounts/\(other)/proof"] {
                    #expect(try await c.call(.get, path, key: key).status == .forbidden)
                }
                #expect(try await c.call(.post, "/v1/accounts/\(other)/what-if", key: key,
                                         body: #"{"kind":"perpetual","underlying":"BTC","settlement":"linear","quantity":1}"#)
                    .status == .forbidden)
                for path in ["/v1/deposits", "/v1/withdrawals"] {
                    #expect(try await c.call(.post, path, key: key,
                                             body: #"{"account":"\#(other)","currency":"USD","amount":"1"}"#).status == .forbidden)
                }
            }
            // Nor its own: owners read and what-if only.
            #expect(try await c.call(.post, "/v1/deposits", key: key,
                                     body: #"{"account":"\#(own)","currency":"USD","amount":"1"}"#).status == .forbidden)
            #expect(try await f.journal() == before)
        }
    }

    @Test func theRateLimitAnswers429WithRetryAfter() async throws {
        var configuration = ServerFixture.testConfiguration()
        // A credit per 100 s: however slow the machine, the 12 requests cannot earn one back.
        configuration.rateLimit = RateLimit(creditsPerSecond: 0.01, burst: 10)
        let f = try await ServerFixture.open(configuration: configuration)
        try await f.run { c in
            var statuses: [HTTPResponse.Status] = []
            var retryAfter: String?
            for _ in 0..<12 {
                let r = try await c.call(.get, "/v1/parameters")
                statuses.append(r.status)
                if r.status == .tooManyRequests { retryAfter = r.headers[.retryAfter] }
            }
            #expect(statuses.prefix(10).allSatisfy { $0 == .ok })
            #expect(statuses.last == .tooManyRequests)
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
            #expect(f.metrics.text().contains("rate_limited"))
        }
    }
}
