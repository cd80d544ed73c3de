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

/// `GET /v1/ingest` over a real WebSocket: trades in, per-trade acknowledgements out once the batch holding them is
/// durable, idempotent by trade id; a malformed message is answered with an error and nothing of it applied.
@Suite struct IngestStreamTests {
    /// Connects as `key`, sends `messages`, and collects what comes back until `count` trade results and `errors`
    /// error messages have arrived (or 10 s).
    static func exchange(port: Int, key: String, messages: [String], count: Int, errors: Int) async throws
        -> (results: [[String: Any]], errors: [[String: Any]])
    {
        let received = Mutex<[String]>([])
        var logger = Logger(label: "ingest-test")
        logger.logLevel = .critical
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/v1/ingest",
                                          configuration: WebSocketClientConfiguration(
                                              additionalHeaders: [.authorization: "Bearer \(key)"]),
                                          logger: logger) { inbound, outbound, _ in
            let watchdog = Task {
                try await Task.sleep(until: deadline, clock: .continuous)
                try await outbound.close(.normalClosure, reason: "test deadline")
            }
            defer { watchdog.cancel() }
            for m in messages { try await outbound.write(.text(m)) }
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message else { continue }
                let all = received.withLock { r in
                    r.append(text)
                    return r
                }
                let (results, errs) = Self.split(all)
                if results.count >= count, errs.count >= errors {
                    try? await outbound.close(.normalClosure, reason: nil)
                    break
                }
            }
        }
        return Self.split(received.withLock { $0 })
    }

    static func split(_ texts: [String]) -> (results: [[String: Any]], errors: [[String: Any]]) {
        let objects = texts.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        let results = objects.filter { $0["type"] as? String == "acks" }.flatMap { $0["results"] as? [[String: Any]] ?? [] }
        return (results, objects.filter { $0["type"] as? String == "error" })
    }

    @Test func tradesAreAcknowledgedOnceDurableInOrderAndIdempotentByID() async throws {
        let f = try await ServerFixture.open()
        let trade = await TradeBatchEndpointTests.identifiedTrades(f)
        try await f.run(close: false) { c in
            let journaled = try await f.journal().count
            let (results, errors) = try await Self.exchange(
                port: c.port, key: ServerFixture.adminKey,
                messages: [trade("w1", "0.1"), #"{"trades":[\#(trade("w2", "1e9")),\#(trade("w1", "0.1"))]}"#,
                           trade("w3", "x")],
                count: 3, errors: 1)
            try #require(results.count == 3, "\(results) \(errors)")
            #expect(results.map { $0["id"] as? String } == ["w1", "w2", "w1"])
            #expect(results.map { $0["status"] as? Int } == [200, 422, 200])
            let sequence = try #require(results[0]["sequence"] as? Int)
            #expect(results[2]["replayed"] as? Bool == true && results[2]["sequence"] as? Int == sequence)
            #expect(errors.first?["status"] as? Int == 400)
            #expect(errors.first?["field"] as? String == "$.quantity", "\(errors)")
            // Acknowledged once durable: the trade is in the journal at its sequence, once.
            let journal = try await f.journal().dropFirst(journaled)
            let trades = try journal.filter { r in
                if case .trade = try EngineEvent(payload: r.payload) { return true }
                return false
            }
            #expect(trades.map(\.sequence) == [UInt64(sequence)])
            #expect(trades.count == 1, "w2 refused, w1 applied once, w3 never submitted")
            // A key without trade:read_write cannot open it.
            let viewer = try await f.key("viewer", client: c)
            let refused = try await c.call(.get, "/v1/ingest", key: viewer)
            #expect(refused.status == .forbidden)
        }
    }
}
