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

/// `margin-bench serve`: the HTTP service under load, over real loopback connections (release build only).
///
///     swift build -c release --product margin-bench
///     .build/release/margin-bench serve [--rates 50,200,1000,5000] [--seconds 3] [--connections 8]
///
/// Starts `margin serve --demo` in-process (``ServeCommandRun``: the same services, a demo population of
/// `--accounts` on a temporary SQLite journal, the simulated market ticking underneath at `--tick-rate`, the rate
/// limit raised out of the way), then:
///
/// 1. **Writes at rising offered rates.** For each rate of `--rates`, `--seconds` of open-loop load over
///    `--connections` keep-alive HTTP/1.1 connections: request *k* is due at `start + k / rate`, alternately a
///    two-sided `POST /v1/trades` (``TradeFlow``'s generated accounts against the liquidity providers at the
///    genesis marks) and a `POST /v1/market` index update (each one re-margins every account holding that
///    underlying), each with its own `Idempotency-Key`. Reported: offered and sustained requests/s (answers
///    received per second of the stage), p50/p99/max latency from the request's send to its last byte, answers by
///    status (a 422 is a trade the pre-trade rule refused: a full engine turn all the same), and requests that could
///    not be sent before the stage's deadline (`--seconds` + 5 s).
/// 2. **What-if latency.** `--what-ifs` sequential `POST /v1/accounts/{id}/what-if` with one BTC perpetual leg:
///    p50/p99 of the round trip, and the server's own time (the mean of `margin_http_request_duration_seconds`
///    for the route, from `/metrics`), beside Deribit's 2.3 ms of server time for its one-position `pme/simulate`.
///
/// Client and server share the machine's cores: the figures are the service's floor on this machine, not a
/// gateway's view.
struct BenchServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "The HTTP service under load over loopback: trades and market data at rising rates; what-if latency.")

    @Option(parsing: .upToNextOption, help: "Offered request rates, per second (each a stage).")
    var rates: [Double] = [50, 200, 1_000, 5_000]
    @Option(help: "Seconds per stage.") var seconds: Double = 3
    @Option(help: "Concurrent keep-alive connections.") var connections: Int = 8
    @Option(help: "Generated accounts of the demo population.") var accounts: Int = 2_000
    @Option(help: "Simulated index ticks per second underneath (the demo market).") var tickRate: Double = 20
    @Option(help: "Sequential what-if requests.") var whatIfs: Int = 500
    @Option(help: "table or json.") var format: OutputFormat = .table

    func validate() throws {
        guard !rates.isEmpty, rates.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 100_000 }) else {
            throw ValidationError("--rates must be in (0, 100000]")
        }
        guard seconds.isFinite, seconds > 0, seconds <= 60 else { throw ValidationError("--seconds must be in (0, 60]") }
        guard (1...256).contains(connections) else { throw ValidationError("--connections must be in 1...256") }
        guard (1...100_000).contains(accounts) else { throw ValidationError("--accounts must be in 1...100000") }
        guard tickRate.isFinite, tickRate >= 0.1 else { throw ValidationError("--tick-rate must be ≥ 0.1") }
        guard (1...100_000).contains(whatIfs) else { throw ValidationError("--what-ifs must be in 1...100000") }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("margin-bench-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        var workload = SimulationDriver.demo
        workload.accounts = accounts
        workload.rate = tickRate
        workload.trades = 0  // the benchmark drives the trades
        var options = ServeOptions()
        options.journal = .sqlite(path: directory + "/j.sqlite")
        options.adminKeyFile = directory + "/admin.key"
        options.server.port = 0
        options.server.rateLimit = RateLimit(creditsPerSecond: 1e9, burst: 1e9)
        options.snapshotEvery = 0
        options.demo = workload
        var logger = Logger(label: "margin-bench.serve")
        logger.logLevel = .critical  // the shutdown's cancellation notes are not the benchmark's output

        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let serveOptions = options
        let serveLogger = logger
        let server = Task {
            try await ServeCommandRun.run(serveOptions, logger: serveLogger) { line in
                if let port = Self.port(in: line) { portSink.yield(port) }
            }
        }
        defer { server.cancel() }
        var portIterator = ports.makeAsyncIterator()
        guard let port = await portIterator.next() else { throw BenchFailure(message: "the server did not start") }
        let adminKey = try String(contentsOfFile: options.adminKeyFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let target = BenchTarget(port: port, key: adminKey)
        try await target.waitUntilReady()

        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; \(Date()); \(Self.buildKind); "
              + "\(accounts) accounts, \(connections) connections, \(tickRate) ticks/s underneath")
        let genesis = workload.genesis()
        var payloads = BenchPayloads(genesis: genesis, seed: workload.seed)
        var stages: [BenchStageResult] = []
        for (s, rate) in rates.enumerated() {
            let count = max(1, Int((rate * seconds).rounded()))
            let requests = (0..<count).map { payloads.request($0, stage: s) }
            let result = try await BenchStage.run(target: target, requests: requests, rate: rate,
                                                  connections: connections, deadline: seconds + 5)
            stages.append(result)
        }

        let whatIf = try await BenchWhatIf.run(target: target, account: payloads.flow.traders.first ?? "acct-0",
                                               count: whatIfs)
        server.cancel()
        _ = await server.result
        report(stages: stages, whatIf: whatIf)
    }

    private func report(stages: [BenchStageResult], whatIf: BenchWhatIfResult) {
        switch format {
        case .json:
            let json = JSONValue.object([
                ("stages", .array(stages.map(\.json))),
                ("whatIf", whatIf.json),
                ("deribitSimulateServerMs", .double(2.3)),
            ])
            print(json.serialized(pretty: true))
        case .table:
            print("")
            print("offered/s  sustained/s   sent   p50 ms   p99 ms   max ms   answers")
            for s in stages {
                print(String(format: "%9.0f  %11.1f  %5ld  %7.2f  %7.2f  %7.2f   ", s.offered, s.sustained, s.sent,
                             s.p50 * 1e3, s.p99 * 1e3, s.max * 1e3) + s.statusSummary
                      + (s.unsent > 0 ? "; \(s.unsent) not sent by the deadline" : ""))
            }
            print("")
            print(String(format: "what-if (one BTC perpetual leg, %ld sequential): round trip p50 %.3f ms, p99 %.3f ms; "
                         + "server time mean %.3f ms (Deribit pme/simulate: 2.3 ms server time)",
                         whatIf.count, whatIf.p50 * 1e3, whatIf.p99 * 1e3, whatIf.serverMean * 1e3)
                  + "; answers " + whatIf.statusSummary)
        }
    }

    /// What kind of build this is (a debug build's figures are meaningless).
    static var buildKind: String {
        #if DEBUG
            return "DEBUG build (figures meaningless: use -c release)"
        #else
            return "release build"
        #endif
    }

    /// The port in `margin serve`'s first line (`… dashboard at http://HOST:PORT/ …`).
    static func port(in line: String) -> Int? {
        guard let range = line.range(of: "http://") else { return nil }
        let rest = line[range.upperBound...]
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        return Int(rest[rest.index(after: colon)...].prefix { $0.isNumber })
    }
}

/// One prepared request of the load: method, path, body, its idempotency key.
struct BenchRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var body: [UInt8]
    var idempotencyKey: String?
}

/// The bodies of the load: two-sided trades among the demo population's accounts and providers at the genesis
/// marks, and index updates continuing the simulated market's walk (BTC and ETH in turn), as the API takes them
/// (the journal's event JSON without its `type`).
struct BenchPayloads {
    let flow: TradeFlow
    private let markets: [String: UnderlyingMarket]
    private var market: SimulatedMarket
    private var rng: SplitMix64
    private var ticks = 0

    init(genesis: EngineState, seed: UInt64) {
        flow = TradeFlow(state: genesis)
        markets = genesis.markets
        market = SimulatedMarket(seed: seed)
        rng = SplitMix64(seed: seed &+ 4_242)
    }

    /// Request `k` of stage `stage`: even ones trades, odd ones market updates.
    mutating func request(_ k: Int, stage: Int) -> BenchRequest {
        let key = "bench-\(stage)-\(k)"
        if k % 2 == 0, let trade = flow.trade(markets: markets, rng: &rng) {
            return BenchRequest(method: .POST, path: "/v1/trades", body: Self.body(trade), idempotencyKey: key)
        }
        let update = market.step(ticks % market.underlyings.count, seconds: 0.05)
        ticks += 1
        return BenchRequest(method: .POST, path: "/v1/market", body: Self.body(.market(update)), idempotencyKey: key)
    }

    /// The event's JSON without `type`, compact.
    static func body(_ event: EngineEvent) -> [UInt8] {
        guard case .object(let pairs) = event.json else { return Array(event.payload.utf8) }
        return Array(JSONValue.object(pairs.filter { $0.key != "type" }).serialized(pretty: false).utf8)
    }
}

/// Where the benchmark's requests go: the loopback port and the admin key.
struct BenchTarget: Sendable {
    let port: Int
    let key: String

    /// A keep-alive HTTP/1.1 connection to the server, run by `body` and closed after it.
    func withConnection<T: Sendable>(_ body: (inout BenchConnection) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = BenchConnection(target: self, inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&connection)
        }
    }

    /// Polls `GET /readyz` until it answers 200 (at most 120 s).
    func waitUntilReady() async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(120))
        while ContinuousClock.now < deadline {
            let ready = try? await withConnection { c in
                try await c.send(BenchRequest(method: .GET, path: "/readyz", body: [], idempotencyKey: nil)).status
            }
            if ready == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchFailure(message: "the server was not ready within 120 s")
    }
}

/// One open connection: sends a request and reads its whole answer (status and body).
struct BenchConnection {
    let target: BenchTarget
    var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

    /// Sends `request` and waits for the end of its response.
    mutating func send(_ request: BenchRequest) async throws -> (status: Int, body: ByteBuffer) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "127.0.0.1:\(target.port)")
        headers.add(name: "Authorization", value: "Bearer \(target.key)")
        headers.add(name: "Content-Length", value: "\(request.body.count)")
        if !request.body.isEmpty { headers.add(name: "Content-Type", value: "application/json") }
        if let key = request.idempotencyKey { headers.add(name: "Idempotency-Key", value: key) }
        let head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.path, headers: headers)
        try await outbound.write(.head(head))
        if !request.body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: request.body)))) }
        try await outbound.write(.end(nil))
        var status = 0
        var body = ByteBuffer()
        while let part = try await inbound.next() {
            switch part {
            case .head(let h): status = Int(h.status.code)
            case .body(var b): body.writeBuffer(&b)
            case .end: return (status, body)
            }
        }
        throw BenchFailure(message: "the server closed the connection mid-answer")
    }
}

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
