import ArgumentParser
import Foundation
import Logging
import MarginApp
import MarginCore
import MarginEngine
import MarginLedger
import MarginServer
import MarginSimulation
import NIOCore
import NIOHTTP1
import NIOPosix

// The stages of `margin-bench serve`: offered load at a rate over connections, what-if latency, status tallies.

/// HTTP status counts (status → answers), as the tables and the JSON print them.
enum BenchStatuses {
    /// `"200: 12, 429: 3"`, by status.
    static func summary(_ statuses: [Int: Int]) -> String {
        statuses.keys.sorted().map { "\($0): \(statuses[$0] ?? 0)" }.joined(separator: ", ")
    }

    /// `{"200": 12, "429": 3}`, by status.
    static func json(_ statuses: [Int: Int]) -> JSONValue {
        .object(statuses.keys.sorted().map { ("\($0)", .double(Double(statuses[$0] ?? 0))) })
    }
}

/// What one stage measured.
struct BenchStageResult: Sendable {
    var offered: Double
    var sustained: Double
    var sent: Int
    var unsent: Int
    var p50: Double
    var p99: Double
    var max: Double
    var statuses: [Int: Int]

    var statusSummary: String { BenchStatuses.summary(statuses) }

    var json: JSONValue {
        .object([
            ("offeredPerSecond", .double(offered)), ("sustainedPerSecond", .double(sustained)),
            ("sent", .double(Double(sent))), ("unsent", .double(Double(unsent))),
            ("p50Ms", .double(p50 * 1e3)), ("p99Ms", .double(p99 * 1e3)), ("maxMs", .double(max * 1e3)),
            ("statuses", BenchStatuses.json(statuses)),
        ])
    }
}

/// One stage of open-loop load: request `k` is due at `start + k / rate`; connection `c` sends requests
/// `c, c + C, c + 2C, …` in turn (late ones go at once); requests not sent by `deadline` seconds are counted unsent.
enum BenchStage {
    static func run(target: BenchTarget, requests: [BenchRequest], rate: Double, connections: Int,
                    deadline: Double) async throws -> BenchStageResult {
        let clock = ContinuousClock()
        let start = clock.now.advanced(by: .milliseconds(50))
        let end = start.advanced(by: .seconds(deadline))
        let results = try await withThrowingTaskGroup(of: [(latency: Double, status: Int, done: ContinuousClock.Instant)].self) {
            group in
            for c in 0..<min(connections, requests.count) {
                group.addTask {
                    try await target.withConnection { connection in
                        var out: [(latency: Double, status: Int, done: ContinuousClock.Instant)] = []
                        var k = c
                        while k < requests.count {
                            let due = start.advanced(by: .seconds(Double(k) / rate))
                            if due > end || clock.now > end { break }
                            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
                            let sent = clock.now
                            let answer = try await connection.send(requests[k])
                            let done = clock.now
                            out.append(((done - sent).secondsValue, answer.status, done))
                            k += connections
                        }
                        return out
                    }
                }
            }
            var all: [(latency: Double, status: Int, done: ContinuousClock.Instant)] = []
            for try await part in group { all += part }
            return all
        }
        let latencies = results.map(\.latency).sorted()
        let last = results.map(\.done).max() ?? start
        let elapsed = Swift.max((last - start).secondsValue, 1e-9)
        var statuses: [Int: Int] = [:]
        for r in results { statuses[r.status, default: 0] += 1 }
        func quantile(_ p: Double) -> Double {
            latencies.isEmpty ? .nan : latencies[Swift.min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.down)))]
        }
        return BenchStageResult(offered: rate, sustained: Double(results.count) / elapsed, sent: results.count,
                                unsent: requests.count - results.count, p50: quantile(0.5), p99: quantile(0.99),
                                max: latencies.last ?? .nan, statuses: statuses)
    }
}

/// What the what-if measurement found.
struct BenchWhatIfResult: Sendable {
    var count: Int
    var p50: Double
    var p99: Double
    var serverMean: Double
    var statuses: [Int: Int]

    var statusSummary: String { BenchStatuses.summary(statuses) }

    var json: JSONValue {
        .object([
            ("count", .double(Double(count))), ("p50Ms", .double(p50 * 1e3)), ("p99Ms", .double(p99 * 1e3)),
            ("serverMeanMs", .double(serverMean * 1e3)),
            ("statuses", BenchStatuses.json(statuses)),
        ])
    }
}

/// Sequential what-ifs of one leg on one account, over one connection, and the server's own time from `/metrics`.
enum BenchWhatIf {
    static let route = "/v1/accounts/{id}/what-if"

    static func run(target: BenchTarget, account: String, count: Int) async throws -> BenchWhatIfResult {
        let leg = #"{"kind":"perpetual","underlying":"BTC","settlement":"linear","quantity":0.1}"#
        let request = BenchRequest(method: .POST, path: "/v1/accounts/\(account)/what-if", body: Array(leg.utf8),
                                   idempotencyKey: nil)
        let metrics = BenchRequest(method: .GET, path: "/metrics", body: [], idempotencyKey: nil)
        return try await target.withConnection { c in
            for _ in 0..<10 { _ = try await c.send(request) }  // warm-up
            let before = serverTime(String(buffer: try await c.send(metrics).body))
            let clock = ContinuousClock()
            var latencies: [Double] = []
            var statuses: [Int: Int] = [:]
            for _ in 0..<count {
                let sent = clock.now
                let answer = try await c.send(request)
                latencies.append((clock.now - sent).secondsValue)
                statuses[answer.status, default: 0] += 1
            }
            let after = serverTime(String(buffer: try await c.send(metrics).body))
            latencies.sort()
            let n = after.count - before.count
            return BenchWhatIfResult(count: count, p50: latencies[latencies.count / 2],
                                     p99: latencies[Swift.min(latencies.count - 1, latencies.count * 99 / 100)],
                                     serverMean: n > 0 ? (after.sum - before.sum) / n : .nan, statuses: statuses)
        }
    }

    /// The what-if route's `margin_http_request_duration_seconds` sum and count (all statuses) in Prometheus text.
    static func serverTime(_ text: String) -> (sum: Double, count: Double) {
        var sum = 0.0
        var count = 0.0
        for line in text.split(separator: "\n") where line.contains("route=\"\(route)\"") {
            guard let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            if line.hasPrefix("margin_http_request_duration_seconds_sum") { sum += value }
            if line.hasPrefix("margin_http_request_duration_seconds_count") { count += value }
        }
        return (sum, count)
    }
}
