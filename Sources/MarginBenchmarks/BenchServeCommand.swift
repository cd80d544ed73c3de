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
/// 2. **Trade-only stages.** For each rate of `--trade-rates`, the same open-loop load of single-trade
///    `POST /v1/trades` requests over `--trade-connections` (64) keep-alive connections: the trades join the
///    engine's group commit (docs/ENGINE.md), so concurrent requests share one journal append.
/// 3. **Ingest.** Closed-loop `POST /v1/trades/batch` of `--batch-size` trades per request over `--batch-connections`
///    connections, then the WebSocket ingest `GET /v1/ingest` with messages of `--batch-size` trades, at most
///    `--ingest-window` unacknowledged per connection: trades answered per second (accepted and refused by the
///    pre-trade rule), p50/p99 from a request's (message's) send to its answer (its last acknowledgement).
/// 4. **What-if latency.** `--what-ifs` sequential `POST /v1/accounts/{id}/what-if` with one BTC perpetual leg:
///    p50/p99 of the round trip, and the server's own time (the mean of `margin_http_request_duration_seconds`
///    for the route, from `/metrics`), beside Deribit's 2.3 ms of server time for its one-position `pme/simulate`.
/// 3. **Slow clients and a flood** (``BenchFlood``): `--slow-clients` stalled partial requests, then `--flood`
///    partial connections past the server's `--flood-cap`, with `/healthz` probed from fresh connections meanwhile.
///
/// Before them, **in process** (``BenchDurableTrades``): for each `--submitters` count, durable trades per second
/// through the engine on its own SQLite journal (`synchronous=FULL`), no HTTP.
///
/// Client and server share the machine's cores: the figures are the service's floor on this machine, not a
/// gateway's view.
struct BenchServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "The HTTP service under load over loopback: trades and market data at rising rates, trade-only stages, batch and WebSocket ingest, what-if latency; durable trades/s in process.")

    @Option(parsing: .upToNextOption, help: "Offered request rates, per second (each a stage).")
    var rates: [Double] = [50, 200, 1_000, 5_000]
    @Option(help: "Seconds per stage.") var seconds: Double = 3
    @Option(help: "Concurrent keep-alive connections.") var connections: Int = 8
    @Option(help: "Generated accounts of the demo population.") var accounts: Int = 2_000
    @Option(help: "Simulated index ticks per second underneath (the demo market).") var tickRate: Double = 20
    @Option(help: "Sequential what-if requests.") var whatIfs: Int = 500
    @Option(help: "Stalled partial requests held open (slow-client stage; 0: skip the edge stages).")
    var slowClients: Int = 200
    @Option(help: "Partial connections opened on top in the flood stage.") var flood: Int = 1_000
    @Option(help: "The server's connection cap during the run (the flood goes past it).") var floodCap: Int = 512
    @Option(help: "Sequential /healthz probes from fresh connections per edge stage.") var probes: Int = 100
    @Option(parsing: .upToNextOption, help: "Offered rates of the trade-only stages (single-trade POST /v1/trades), per second; 0 skips them.")
    var tradeRates: [Double] = [2_000, 5_000, 10_000, 20_000]
    @Option(help: "Keep-alive connections of the trade-only stages.") var tradeConnections: Int = 64
    @Option(help: "Trades per request of the batch stage (POST /v1/trades/batch) and per message of the ingest stage; 0 skips them.")
    var batchSize: Int = 1_000
    @Option(help: "Connections of the batch and ingest stages.") var batchConnections: Int = 4
    @Option(help: "Ingest messages in flight per WebSocket connection.") var ingestWindow: Int = 4
    @Option(parsing: .upToNextOption, help: "In-process stages: concurrent submitters of trades to the engine on SQLite (no HTTP); 0 skips them.")
    var submitters: [Int] = [1, 64]
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
        guard (0...10_000).contains(slowClients), (0...10_000).contains(flood), (16...10_000).contains(floodCap),
              (1...10_000).contains(probes) else {
            throw ValidationError("--slow-clients and --flood in 0...10000, --flood-cap in 16...10000, --probes in 1...10000")
        }
        guard tradeRates.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 200_000 }) else {
            throw ValidationError("--trade-rates must be in [0, 200000]")
        }
        guard (1...1_024).contains(tradeConnections), (1...256).contains(batchConnections),
              (1...64).contains(ingestWindow) else {
            throw ValidationError("--trade-connections in 1...1024, --batch-connections in 1...256, --ingest-window in 1...64")
        }
        guard (0...1_000).contains(batchSize) else { throw ValidationError("--batch-size must be in 0...1000") }
        guard submitters.allSatisfy({ (0...4_096).contains($0) }) else {
            throw ValidationError("--submitters must be in 0...4096")
        }
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
        options.server.connections.maxConnections = floodCap
        options.snapshotEvery = 0
        options.demo = workload
        var inProcess: [BenchDurableTradesResult] = []
        for n in submitters where n > 0 {
            inProcess.append(try await BenchDurableTrades.run(genesis: workload.genesis(), seed: workload.seed,
                                                              submitters: n, seconds: seconds, directory: directory))
        }
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

        var tradeStages: [BenchStageResult] = []
        for (s, rate) in tradeRates.enumerated() where rate > 0 {
            let count = max(1, Int((rate * seconds).rounded()))
            let requests = (0..<count).map { payloads.trade($0, stage: "t\(s)") }
            tradeStages.append(try await BenchStage.run(target: target, requests: requests, rate: rate,
                                                        connections: tradeConnections, deadline: seconds + 5))
        }
        var ingest: [BenchIngestResult] = []
        if batchSize > 0 {
            ingest.append(try await BenchIngest.batches(target: target, payloads: &payloads, stage: "b",
                                                        connections: batchConnections, batch: batchSize,
                                                        seconds: seconds))
            ingest.append(try await BenchIngest.stream(target: target, payloads: &payloads, stage: "w",
                                                       connections: batchConnections, batch: batchSize,
                                                       window: ingestWindow, seconds: seconds))
        }

        let whatIf = try await BenchWhatIf.run(target: target, account: payloads.flow.traders.first ?? "acct-0",
                                               count: whatIfs)
        let edge = slowClients > 0 || flood > 0
            ? await BenchFlood.run(port: port, slow: slowClients, flood: flood, probes: probes) : []
        server.cancel()
        _ = await server.result
        report(stages: stages, tradeStages: tradeStages, ingest: ingest, whatIf: whatIf, inProcess: inProcess,
               edge: edge)
    }

    private func report(stages: [BenchStageResult], tradeStages: [BenchStageResult], ingest: [BenchIngestResult],
                        whatIf: BenchWhatIfResult, inProcess: [BenchDurableTradesResult], edge: [BenchFlood.Result]) {
        switch format {
        case .json:
            let json = JSONValue.object([
                ("inProcess", .array(inProcess.map { r in
                    .object([("submitters", .double(Double(r.submitters))), ("seconds", .double(r.seconds)),
                             ("accepted", .double(Double(r.accepted))), ("rejected", .double(Double(r.rejected))),
                             ("records", .double(Double(r.records))), ("acceptedPerSecond", .double(r.acceptedPerSecond))])
                })),
                ("stages", .array(stages.map(\.json))),
                ("tradeStages", .array(tradeStages.map(\.json))),
                ("ingest", .array(ingest.map(\.json))),
                ("whatIf", whatIf.json),
                ("deribitSimulateServerMs", .double(2.3)),
                ("edge", .array(edge.map(\.json))),
            ])
            print(json.serialized(pretty: true))
        case .table:
            print("")
            print("in-process (engine on SQLite synchronous=FULL, no HTTP): submitters  durable trades/s  refused/s  records")
            for r in inProcess {
                print(String(format: "%68ld  %16.0f  %9.0f  %7ld", r.submitters, r.acceptedPerSecond,
                             Double(r.rejected) / r.seconds, r.records))
            }
            print("")
            Self.printStages(stages)
            print("")
            print("trade-only (POST /v1/trades, \(tradeConnections) connections)")
            Self.printStages(tradeStages)
            print("")
            print("ingest                  connections  trades/msg   trades/s   accepted   refused   p50 ms   p99 ms")
            for r in ingest {
                print(r.path.padding(toLength: 24, withPad: " ", startingAt: 0)
                      + String(format: "%11ld  %10ld  %9.0f  %9ld  %8ld  %7.2f  %7.2f", r.connections, r.batch,
                               r.tradesPerSecond, r.accepted, r.rejected, r.p50 * 1e3, r.p99 * 1e3))
            }
            print("")
            print(String(format: "what-if (one BTC perpetual leg, %ld sequential): round trip p50 %.3f ms, p99 %.3f ms; "
                         + "server time mean %.3f ms (Deribit pme/simulate: 2.3 ms server time)",
                         whatIf.count, whatIf.p50 * 1e3, whatIf.p99 * 1e3, whatIf.serverMean * 1e3)
                  + "; answers " + whatIf.statusSummary)
            if !edge.isEmpty {
                print("")
                print("edge (server cap \(floodCap) connections):")
                for e in edge { print("  " + e.line) }
            }
        }
    }

    /// The table of open-loop stages: offered and sustained rates, latencies, answers by status.
    static func printStages(_ stages: [BenchStageResult]) {
        print("offered/s  sustained/s   sent   p50 ms   p99 ms   max ms   answers")
        for s in stages {
            print(String(format: "%9.0f  %11.1f  %5ld  %7.2f  %7.2f  %7.2f   ", s.offered, s.sustained, s.sent,
                         s.p50 * 1e3, s.p99 * 1e3, s.max * 1e3) + s.statusSummary
                  + (s.unsent > 0 ? "; \(s.unsent) not sent by the deadline" : ""))
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
