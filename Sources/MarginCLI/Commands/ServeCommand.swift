import ArgumentParser
import Foundation
import Logging
import MarginApp
import MarginEngine
import MarginLedger
import MarginServer

/// `margin serve`: the HTTP and WebSocket API, the dashboard and the metrics over the engine on its journal
/// (docs/SERVICE.md). Parses options and runs the service (``ServeCommandRun``); exits 1 when the journal is in
/// use or cannot be opened.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the engine over HTTP and WebSocket: API keys and roles, idempotent writes, a live dashboard.",
        discussion: """
            Prints the dashboard's address. If the admin key file is absent, a fresh admin key is written to it \
            (mode 0600) and never printed; read it from the file. The venue key (--venue-key) signs the risk \
            statements and commitments the service answers; it is created likewise when absent. SIGINT or SIGTERM shuts down gracefully: \
            in-flight requests finish, a last snapshot is written and the journal is closed.
            """)

    @Flag(help: "Add a generated population and a simulated market (on a new journal: the genesis).") var demo = false
    @Option(help: "TCP port (0: any free port).") var port: Int = 8080
    @Option(help: "Bind address (loopback by default: put the service behind the gateway).") var host = "127.0.0.1"
    @Option(help: "SQLite database file of the journal and snapshots.") var db: String = "margin.sqlite"
    @Option(help: "PostgreSQL URL (postgres://user:password@host:port/database); instead of --db.") var postgres: String?
    @Option(help: "With --postgres: prefix of the journal's tables.") var tablePrefix: String = "margin_"
    @Option(help: "The admin key file (created with a fresh key, mode 0600, when absent).")
    var adminKeyFile: String = "margin-admin.key"
    @Option(help: ArgumentHelp("The venue key file signing statements and commitments (created with mode 0600, with "
                               + "FILE.jwk.json, when absent; default: beside the journal, <db>.venue-key).",
                               valueName: "file"))
    var venueKey: String?
    @Option(help: "The venue's name in what is signed.") var venue: String = VenueStatements.defaultVenue
    @Option(help: "Rate limit: credits refilled per second per key (a request costs 1, a computation 10).")
    var rateCredits: Double = 500
    @Option(help: "Rate limit: a key's bucket size in credits.") var rateBurst: Double = 2_000
    @Option(help: "Seconds between background snapshots (0: only at shutdown).") var snapshotEvery: Double = 60
    @Option(help: "--demo: generated accounts (on a new journal).") var accounts: Int = 2_000
    @Option(help: "--demo: index ticks per second.") var tickRate: Double = 20
    @Option(help: "--demo: simulated deposits and fills per second.") var tradeRate: Double = 5
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"
    @Option(help: "Open connections at most (default: ulimit -n less max(64, an eighth), at most 10000).")
    var maxConnections: Int?
    @Option(help: "Seconds a connection may sit idle between requests.") var idleTimeout: Double = 60
    @Option(help: "Seconds from a request's first byte to its complete head (then 408).") var headerTimeout: Double = 10
    @Option(help: "Seconds from a request's head to the end of its body.") var bodyTimeout: Double = 30
    @Option(help: "Seconds a client may take no bytes of an answer before it is closed.") var writeTimeout: Double = 30
    @Option(help: "Seconds requests in flight get to finish on SIGTERM/SIGINT before their connections are closed.")
    var shutdownGrace: Double = 10
    @Option(help: "Largest fee or rebate of one side of a trade, a fraction of its notional, in [0, 1].")
    var maxFeeRate: Double = 0.01
    @Option(help: "Trades priced beyond this fraction of the mark are refused, in (0, 1].") var priceBand: Double = 0.1
    @Option(help: "Computations: the most legs in one what-if.") var maxLegs: Int = 1_000
    @Option(help: "Computations: how many one API key may run at once (429 beyond).") var computationsPerKey: Int = 2
    @Option(help: "Computations: threads they run on, below the engine's priority.") var computeThreads: Int = 1

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        guard rateCredits.isFinite, rateCredits > 0, rateBurst.isFinite, rateBurst >= 10 else {
            throw ValidationError("--rate-credits must be > 0 and --rate-burst ≥ 10")
        }
        guard (1...1_000_000).contains(accounts) else { throw ValidationError("--accounts must be in 1...1000000") }
        guard tickRate.isFinite, tickRate > 0, tradeRate.isFinite, tradeRate >= 0 else {
            throw ValidationError("--tick-rate must be > 0 and --trade-rate ≥ 0")
        }
        guard snapshotEvery.isFinite, snapshotEvery >= 0 else { throw ValidationError("--snapshot-every must be ≥ 0") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level") }
        if let maxConnections, !(1...1_000_000).contains(maxConnections) {
            throw ValidationError("--max-connections must be in 1...1000000")
        }
        for (name, seconds) in [("--idle-timeout", idleTimeout), ("--header-timeout", headerTimeout),
                                ("--body-timeout", bodyTimeout), ("--write-timeout", writeTimeout),
                                ("--shutdown-grace", shutdownGrace)]
        where !(seconds.isFinite && seconds >= 0.1 && seconds <= 86_400) {
            throw ValidationError("\(name) must be in [0.1, 86400] seconds")
        }
        guard (1...100_000).contains(maxLegs), (1...1_000).contains(computationsPerKey),
              (1...64).contains(computeThreads) else {
            throw ValidationError("--max-legs must be in 1...100000, --computations-per-key in 1...1000, "
                                  + "--compute-threads in 1...64")
        }
        do { try tradeRules.validate() } catch {
            throw ValidationError("--max-fee-rate must be in [0, 1] and --price-band in (0, 1]: \(error)")
        }
    }

    func run() async throws {
        var options = ServeOptions()
        options.journal = postgres.map { .postgres(url: $0, tablePrefix: tablePrefix) } ?? .sqlite(path: db)
        options.adminKeyFile = adminKeyFile
        options.venueKeyFile = venueKey
        options.venue = venue
        options.server.host = host
        options.server.port = port
        options.server.rateLimit = RateLimit(creditsPerSecond: rateCredits, burst: rateBurst)
        options.server.compute.maxLegs = maxLegs
        options.server.compute.perKeyConcurrency = computationsPerKey
        options.server.compute.threads = computeThreads
        options.snapshotEvery = snapshotEvery
        if let maxConnections { options.server.connections.maxConnections = maxConnections }
        options.server.connections.idleTimeout = .seconds(idleTimeout)
        options.server.connections.headerTimeout = .seconds(headerTimeout)
        options.server.connections.bodyTimeout = .seconds(bodyTimeout)
        options.server.connections.writeTimeout = .seconds(writeTimeout)
        options.server.connections.shutdownGrace = .seconds(shutdownGrace)
        options.tradeRules = tradeRules
        if demo {
            var workload = SimulationDriver.demo
            workload.accounts = accounts
            workload.rate = tickRate
            workload.trades = tradeRate
            options.demo = workload
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = LogfmtLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "margin.serve")
        do {
            try await ServeCommandRun.run(options, logger: logger) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        } catch let error as EngineError {
            throw CommandFailure(message: "\(postgres == nil ? "--db" : "--postgres"): \(error)", exitCode: 1)
        } catch let error as ServeCommandRun.Failure {
            throw CommandFailure(message: error.description, exitCode: 1)
        }
    }

    /// The trade rules of `--max-fee-rate` and `--price-band` (non-finite rates map to NaN, refused).
    var tradeRules: TradeRules {
        TradeRules(maxFeeRate: Money.decimal(maxFeeRate) ?? .nan, priceBand: Money.decimal(priceBand) ?? .nan)
    }
}
