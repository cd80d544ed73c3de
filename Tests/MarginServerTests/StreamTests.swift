import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import NIOWebSocket
import Synchronization
import Testing

/// `GET /v1/stream` over a real WebSocket: an account's margin after a market update; every health transition
/// without `account`; who may subscribe.
@Suite struct StreamTests {
    /// Connects, sends `actions` once subscribed, and collects text messages until `done` says so (or 10 s).
    static func collect(port: Int, path: String, key: String, useSubprotocol: Bool = false,
                        actions: @escaping @Sendable () async throws -> Void,
                        done: @escaping @Sendable ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
        let messages = Mutex<[String]>([])
        var headers: HTTPFields = [:]
        if useSubprotocol {
            headers[.secWebSocketProtocol] = "margin.v1, bearer.\(key)"
        } else {
            headers[.authorization] = "Bearer \(key)"
        }
        var logger = Logger(label: "ws-test")
        logger.logLevel = .critical
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)\(path)",
                                          configuration: WebSocketClientConfiguration(additionalHeaders: headers),
                                          logger: logger) { inbound, outbound, _ in
            // The deadline holds even when no message comes: a watchdog closes the socket.
            let watchdog = Task {
                try await Task.sleep(until: deadline, clock: .continuous)
                try await outbound.close(.normalClosure, reason: "test deadline")
            }
            defer { watchdog.cancel() }
            var acted = false
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                let all = messages.withLock { m in
                    m.append(text)
                    return m
                }
                if !acted {
                    acted = true
                    try await actions()
                }
                if done(Self.decode(all)) {
                    try? await outbound.close(.normalClosure, reason: nil)
                    break
                }
            }
        }
        return Self.decode(messages.withLock { $0 })
    }

    static func decode(_ texts: [String]) -> [[String: Any]] {
        texts.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    @Test func theStreamDeliversAMarginChangeAfterAMarketUpdate() async throws {
        let f = try await ServerFixture.open()
        let name = await f.account(1)
        let body = await EndpointTests.marketBody(f, index: await f.engine.state.markets["BTC"]!.index * 0.97)
        try await f.run { c in
            let port = c.port
            let messages = try await Self.collect(port: port, path: "/v1/stream?account=\(name)",
                                                  key: ServerFixture.adminKey, actions: {
                let r = try await c.call(.post, "/v1/market", body: body)
                #expect(r.status == .ok, "\(r.text)")
            }, done: { all in all.filter { $0["type"] as? String == "margin" }.count >= 2 })
            #expect(messages.first?["type"] as? String == "subscribed")
            let margins = messages.filter { $0["type"] as? String == "margin" }
            #expect(margins.count >= 2, "\(messages)")
            #expect(margins.allSatisfy { $0["account"] as? String == name })
            if margins.count >= 2 {
                #expect((margins[1]["sequence"] as? Double ?? 0) > (margins[0]["sequence"] as? Double ?? 0))
                #expect(margins[1]["maintenanceMargin"] as? Double != margins[0]["maintenanceMargin"] as? Double)
            }
            let mm = await f.engine.margin(of: name)?.maintenanceMargin
            #expect(margins.last?["maintenanceMargin"] as? Double == mm)
        }
    }

    @Test func anAdminStreamWithoutAccountGetsEveryHealthTransition() async throws {
        let f = try await ServerFixture.open()
        // An account in liquidation or takeover, made healthy by a deposit.
        let margins = await f.engine.margins
        let sick = try #require(margins.first { $0.value.health >= .liquidation }?.key)
        try await f.run { c in
            let messages = try await Self.collect(port: c.port, path: "/v1/stream", key: ServerFixture.adminKey,
                                                  useSubprotocol: true, actions: {
                let r = try await c.call(.post, "/v1/deposits",
                                         body: #"{"account":"\#(sick)","currency":"USD","amount":"100000000"}"#)
                #expect(r.status == .ok, "\(r.text)")
            }, done: { all in all.contains { $0["type"] as? String == "health" } })
            let health = messages.filter { $0["type"] as? String == "health" }
            #expect(health.contains { $0["account"] as? String == sick && $0["to"] as? String == "healthy" }, "\(messages)")
        }
    }

    @Test func onlyTheOwnerOrAStaffRoleMaySubscribe() async throws {
        let f = try await ServerFixture.open()
        let own = await f.account(0)
        let other = await f.account(1)
        try await f.run { c in
            let owner = try await f.key("owner", account: own, client: c)
            let trader = try await f.key("trader", client: c)
            // Refused subscriptions are answered over the socket: one error message (the HTTP status it would
            // have had), then a close with code 4000 + status.
            func refusal(_ path: String, key: String) async throws -> [String: Any]? {
                let messages = try await Self.collect(port: c.port, path: path, key: key, actions: {},
                                                      done: { all in all.contains { $0["type"] as? String == "error" } })
                return messages.first { $0["type"] as? String == "error" }
            }
            let cases: [(String, String, Int)] = [
                ("/v1/stream?account=\(other)", owner, 403), ("/v1/stream", owner, 403),
                ("/v1/stream?account=\(own)", trader, 403), ("/v1/stream?account=\(own)", "mk.nosuch.secret", 401),
                ("/v1/stream?account=nosuch", ServerFixture.adminKey, 404),
            ]
            for (path, key, status) in cases {
                let error = try await refusal(path, key: key)
                #expect(error?["status"] as? Int == status, "\(path): \(String(describing: error))")
            }
            // Without the upgrade: plain HTTP answers.
            #expect(try await c.call(.get, "/v1/stream?account=\(own)", key: owner).status == .upgradeRequired)
            #expect(try await c.call(.get, "/v1/stream?account=\(other)", key: owner).status == .forbidden)
            #expect(try await c.call(.get, "/v1/stream?account=\(own)", key: nil).status == .unauthorized)
            let mine = try await Self.collect(port: c.port, path: "/v1/stream?account=\(own)", key: owner, actions: {},
                                              done: { all in all.contains { $0["type"] as? String == "margin" } })
            #expect(mine.contains { $0["type"] as? String == "margin" && $0["account"] as? String == own })
        }
    }

    @Test func anAccountsStreamCarriesItsMarginCallAndLiquidationEvents() async throws {
        let f = try await ServerFixture.open()
        let crash = await EndpointTests.marketBody(f, index: await f.engine.state.markets["BTC"]!.index * 0.75)
        // Which account the crash liquidates: found on a copy of the fixture (same genesis, same market).
        let probe = try await ServerFixture.open()
        let victim = Mutex<String?>(nil)
        try await probe.run { c in
            #expect(try await c.call(.post, "/v1/market", body: crash).status == .ok)
            let page = try await c.call(.get, "/v1/liquidations?limit=1")
            let first = (page.json?["items"] as? [[String: Any]])?.first?["account"] as? String
            victim.withLock { $0 = first }
        }
        let name = try #require(victim.withLock { $0 })
        try await f.run { c in
            let messages = try await Self.collect(port: c.port, path: "/v1/stream?account=\(name)",
                                                  key: ServerFixture.adminKey, actions: {
                let r = try await c.call(.post, "/v1/market", body: crash)
                #expect(r.status == .ok)
            }, done: { all in
                all.contains { $0["type"] as? String == "liquidation" && $0["kind"] as? String == "marginCall" }
            })
            let liquidation = messages.filter { $0["type"] as? String == "liquidation" }
            let call = liquidation.first { $0["kind"] as? String == "marginCall" }
            #expect(call != nil, "\(messages)")
            #expect((call?["accounts"] as? [String])?.first == name)
            #expect((call?["event"] as? [String: Any])?["type"] as? String == "marginCall")
        }
    }
}
