import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import MarginServer
import NIOWebSocket
import Synchronization
import Testing

/// Issue 19, finding 7: revoking a key closes the key's open streams at once (close code 4401), over a real
/// loopback WebSocket; a stream of another key keeps running.
@Suite struct StreamRevocationTests {
    /// Opens a stream with `key`; after its first message runs `afterFirst`; returns the close frame the server
    /// sent (or the test's own close after `deadline`) and the messages received.
    static func stream(port: Int, key: String, deadline: Duration = .seconds(10),
                       afterFirst: @escaping @Sendable () async throws -> Void) async throws
        -> (close: WebSocketCloseFrame?, messages: [String])
    {
        let messages = Mutex<[String]>([])
        var logger = Logger(label: "ws-test")
        logger.logLevel = .critical
        let headers: HTTPFields = [.authorization: "Bearer \(key)"]
        let close = try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/v1/stream",
                                                      configuration: WebSocketClientConfiguration(
                                                          additionalHeaders: headers),
                                                      logger: logger) { inbound, outbound, _ in
            let watchdog = Task {
                try await Task.sleep(for: deadline)
                try await outbound.close(.normalClosure, reason: "test deadline")
            }
            defer { watchdog.cancel() }
            var acted = false
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                messages.withLock { $0.append(text) }
                if !acted {
                    acted = true
                    try await afterFirst()
                }
            }
        }
        return (close, messages.withLock { $0 })
    }

    @Test("DELETE /v1/keys/{id} closes the key's open stream at once with 4401; another key's stream keeps running")
    func revocationClosesTheKeysStreams() async throws {
        let f = try await ServerFixture.open()
        try await f.run { c in
            let created = try await c.call(.post, "/v1/keys", body: #"{"role":"viewer"}"#)
            let id = try #require(created.json?["id"] as? String)
            let key = try #require(created.json?["key"] as? String)
            let other = try await f.key("viewer", client: c)
            let port = c.port
            // The other key's stream: still open when the revoked one has closed (its own deadline closes it).
            let survivor = Task {
                try await Self.stream(port: port, key: other, deadline: .seconds(4), afterFirst: {})
            }
            let start = ContinuousClock.now
            let revoked = try await Self.stream(port: port, key: key, afterFirst: {
                let status = try await c.call(.delete, "/v1/keys/\(id)").status
                #expect(status == .ok)
            })
            let elapsed = ContinuousClock.now - start
            #expect(revoked.close?.closeCode == .unknown(4_401), "\(String(describing: revoked.close))")
            #expect(elapsed < .seconds(4), "closed at once, not at the test's deadline: \(elapsed)")
            #expect(revoked.messages.first?.contains("subscribed") == true, "\(revoked.messages)")
            let kept = try await survivor.value
            #expect(kept.close?.closeCode != .unknown(4_401), "the other key's stream was not closed by the server")
            // And HTTP with the revoked key is refused.
            #expect(try await c.call(.get, "/v1/accounts", key: key).status == .unauthorized)
        }
    }
}
