import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import MarginApp
import MarginCore
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

/// What an ingest stage measured (``BenchIngest``): trades answered per second, by result, and the latency of a
/// batch from its send to its answer (the batch endpoint) or of a message to its last trade's acknowledgement.
struct BenchIngestResult: Sendable {
    var path: String
    var connections: Int
    var batch: Int
    var seconds: Double
    var accepted: Int
    var rejected: Int
    var p50: Double
    var p99: Double

    var tradesPerSecond: Double { Double(accepted + rejected) / seconds }

    var json: JSONValue {
        .object([
            ("path", .string(path)), ("connections", .double(Double(connections))), ("batch", .double(Double(batch))),
            ("seconds", .double(seconds)), ("accepted", .double(Double(accepted))),
            ("rejected", .double(Double(rejected))), ("tradesPerSecond", .double(tradesPerSecond)),
            ("p50Ms", .double(p50 * 1e3)), ("p99Ms", .double(p99 * 1e3)),
        ])
    }
}

/// `margin-bench serve`'s ingest stages: closed-loop load of `POST /v1/trades/batch` (each connection sends its next
/// batch once the previous one is answered) and of the WebSocket ingest `GET /v1/ingest` (each connection keeps
/// `window` batches in flight, sending the next as acknowledgements arrive).
enum BenchIngest {
    /// Counts one answer's per-trade results by status.
    static func count(_ body: ByteBuffer) -> (accepted: Int, rejected: Int) {
        guard let node = try? JSONNode.parse(String(buffer: body)), case .object(let pairs) = node.value,
              case .array(let results)? = pairs.first(where: { $0.key == "results" })?.value else { return (0, 0) }
        var accepted = 0
        for r in results {
            if case .object(let fields) = r, fields.contains(where: { $0.key == "sequence" }) { accepted += 1 }
        }
        return (accepted, results.count - accepted)
    }

    static func quantiles(_ latencies: [Double]) -> (p50: Double, p99: Double) {
        let sorted = latencies.sorted()
        guard !sorted.isEmpty else { return (.nan, .nan) }
        func q(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.down)))] }
        return (q(0.5), q(0.99))
    }

    /// `connections` connections, each sending batches of `batch` trades to `POST /v1/trades/batch` for `seconds`.
    static func batches(target: BenchTarget, payloads: inout BenchPayloads, stage: String, connections: Int,
                        batch: Int, seconds: Double) async throws -> BenchIngestResult {
        let perConnection = max(1, Int(seconds * 100))  // far more than a connection sends: the clock ends the stage
        var bodies: [[[UInt8]]] = []
        var next = 0
        for _ in 0..<connections {
            var mine: [[UInt8]] = []
            for _ in 0..<min(perConnection, 200) {
                let trades = payloads.identifiedTrades(batch, stage: stage, from: next)
                next += batch
                mine.append(Array("{\"trades\":[\(trades.joined(separator: ","))]}".utf8))
            }
            bodies.append(mine)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let end = start.advanced(by: .seconds(seconds))
        let parts = try await withThrowingTaskGroup(of: (Int, Int, [Double]).self) { group in
            for c in 0..<connections {
                let mine = bodies[c]
                group.addTask {
                    try await target.withConnection { connection in
                        var accepted = 0
                        var rejected = 0
                        var latencies: [Double] = []
                        for body in mine where clock.now < end {
                            let sent = clock.now
                            let answer = try await connection.send(BenchRequest(method: .POST, path: "/v1/trades/batch",
                                                                                body: body, idempotencyKey: nil))
                            latencies.append((clock.now - sent).secondsValue)
                            let n = Self.count(answer.body)
                            accepted += n.accepted
                            rejected += n.rejected
                        }
                        return (accepted, rejected, latencies)
                    }
                }
            }
            var all: [(Int, Int, [Double])] = []
            for try await p in group { all.append(p) }
            return all
        }
        let elapsed = (clock.now - start).secondsValue
        let q = quantiles(parts.flatMap(\.2))
        return BenchIngestResult(path: "POST /v1/trades/batch", connections: connections, batch: batch,
                                 seconds: elapsed, accepted: parts.map(\.0).reduce(0, +),
                                 rejected: parts.map(\.1).reduce(0, +), p50: q.p50, p99: q.p99)
    }

    /// `connections` WebSocket connections to `GET /v1/ingest`, each sending messages of `batch` trades for
    /// `seconds`, at most `window` messages unacknowledged.
    static func stream(target: BenchTarget, payloads: inout BenchPayloads, stage: String, connections: Int,
                       batch: Int, window: Int, seconds: Double) async throws -> BenchIngestResult {
        var messages: [[String]] = []
        var next = 0
        for _ in 0..<connections {
            var mine: [String] = []
            for _ in 0..<200 {
                let trades = payloads.identifiedTrades(batch, stage: stage, from: next)
                next += batch
                mine.append("{\"trades\":[\(trades.joined(separator: ","))]}")
            }
            messages.append(mine)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let end = start.advanced(by: .seconds(seconds))
        var logger = Logger(label: "margin-bench.ingest")
        logger.logLevel = .critical
        let parts = try await withThrowingTaskGroup(of: (Int, Int, [Double]).self) { group in
            for c in 0..<connections {
                let mine = messages[c]
                let log = logger
                group.addTask {
                    let tally = Mutex<(accepted: Int, rejected: Int, acked: Int, latencies: [Double])>((0, 0, 0, []))
                    let sentAt = Mutex<[ContinuousClock.Instant]>([])
                    let configuration = WebSocketClientConfiguration(
                        maxFrameSize: 1 << 20, additionalHeaders: [.authorization: "Bearer \(target.key)"])
                    try await WebSocketClient.connect(url: "ws://127.0.0.1:\(target.port)/v1/ingest",
                                                      configuration: configuration, logger: log) { inbound, outbound, _ in
                        var sent = 0
                        func send() async throws {
                            sentAt.withLock { $0.append(clock.now) }
                            // In frames of 32 KiB (the server reads frames up to 64 KiB, messages up to 1 MiB).
                            let bytes = Array(mine[sent % mine.count].utf8)
                            try await outbound.withTextMessageWriter { writer in
                                var offset = 0
                                while offset < bytes.count {
                                    let end = min(bytes.count, offset + 32_768)
                                    try await writer(ByteBuffer(bytes: bytes[offset..<end]))
                                    offset = end
                                }
                            }
                            sent += 1
                        }
                        for _ in 0..<window { try await send() }
                        for try await message in inbound.messages(maxSize: 1 << 24) {
                            guard case .text(let text) = message,
                                  let node = try? JSONNode.parse(text), case .object(let pairs) = node.value,
                                  case .array(let results)? = pairs.first(where: { $0.key == "results" })?.value
                            else { continue }
                            let now = clock.now
                            let done = tally.withLock { t -> Int in
                                for r in results {
                                    if case .object(let f) = r, f.contains(where: { $0.key == "sequence" }) {
                                        t.accepted += 1
                                    } else {
                                        t.rejected += 1
                                    }
                                }
                                let before = t.acked / batch
                                t.acked += results.count
                                return t.acked / batch - before
                            }
                            for _ in 0..<done {
                                let first = sentAt.withLock { $0.isEmpty ? now : $0.removeFirst() }
                                tally.withLock { $0.latencies.append((now - first).secondsValue) }
                                if clock.now < end { try await send() }
                            }
                            if clock.now >= end, sentAt.withLock({ $0.isEmpty }) {
                                try await outbound.close(.normalClosure, reason: nil)
                                break
                            }
                        }
                    }
                    return tally.withLock { ($0.accepted, $0.rejected, $0.latencies) }
                }
            }
            var all: [(Int, Int, [Double])] = []
            for try await p in group { all.append(p) }
            return all
        }
        let elapsed = (clock.now - start).secondsValue
        let q = quantiles(parts.flatMap(\.2))
        return BenchIngestResult(path: "WS /v1/ingest", connections: connections, batch: batch, seconds: elapsed,
                                 accepted: parts.map(\.0).reduce(0, +), rejected: parts.map(\.1).reduce(0, +),
                                 p50: q.p50, p99: q.p99)
    }
}
