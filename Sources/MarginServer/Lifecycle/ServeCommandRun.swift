import Foundation
import Hummingbird
import Logging
import MarginApp
import MarginEngine
import MarginLedger
import MarginStatements
import Metrics
import ServiceLifecycle
import UnixSignals

/// What `margin serve` was asked for (the CLI parses, this runs).
public struct ServeOptions: Sendable {
    public var journal: JournalLocation = .sqlite(path: "margin.sqlite")
    public var adminKeyFile = "margin-admin.key"
    /// The venue's key file for statements and commitments (created with mode 0600 when absent); `nil`: beside the
    /// journal (``venueKeyPath``).
    public var venueKeyFile: String?
    /// The venue's name in what is signed.
    public var venue = VenueStatements.defaultVenue
    public var server = ServerConfiguration()
    /// A generated population and a simulated market (``SimulationDriver/demo``).
    public var demo: SimulationDriver?
    /// Seconds between background snapshots (0: only the last one, at shutdown).
    public var snapshotEvery = 60.0
    /// The engine's bounds on trades' fees and prices (``TradeRules``).
    public var tradeRules = TradeRules.default

    public init() {}

    /// Where the venue key is: ``venueKeyFile``, else `<db>.venue-key` beside a SQLite journal, or
    /// `margin.venue-key` with PostgreSQL.
    public var venueKeyPath: String {
        if let venueKeyFile { return venueKeyFile }
        if case .sqlite(let path) = journal { return path + ".venue-key" }
        return "margin.venue-key"
    }
}

/// `margin serve`: the engine on its journal, the HTTP and WebSocket service, background snapshots, metrics, and
/// with `--demo` the simulated market and population, as one `ServiceGroup` with graceful shutdown on SIGINT and
/// SIGTERM (streams are ended; the HTTP server stops accepting, closes idle connections at once and gives requests
/// in flight ``ConnectionLimits/shutdownGrace`` before closing theirs; the engine is closed last, after a final
/// snapshot, releasing the journal's lock).
public enum ServeCommandRun {
    public enum Failure: Error, CustomStringConvertible {
        case adminKey(AdminKeyFile.Failure)
        case venueKey(StatementError)

        public var description: String {
            switch self {
            case .adminKey(let f): return f.description
            case .venueKey(let e): return "venue \(e)"
            }
        }
    }

    /// Runs until a signal; `print` gets the dashboard's address (never the key).
    public static func run(_ options: ServeOptions, logger: Logger, print: @escaping @Sendable (String) -> Void)
        async throws
    {
        let admin: (key: String, created: Bool)
        do { admin = try AdminKeyFile.loadOrCreate(options.adminKeyFile) } catch { throw Failure.adminKey(error) }
        let venueKey: (key: VenueKey, created: Bool)
        do { venueKey = try VenueKey.loadOrCreate(options.venueKeyPath) } catch { throw Failure.venueKey(error) }
        let metrics = MetricsSetup()
        MetricsSystem.bootstrap(metrics.factory)
        let store = try await options.journal.openForWriting()
        let server = MarginServer(adminKey: admin.key, venue: VenueIdentity(name: options.venue, key: venueKey.key),
                                  configuration: options.server, metrics: metrics, logger: logger)
        let genesis = options.demo?.genesis() ?? EngineState()
        var services: [any Service] = [
            EngineService(server: server, store: store, genesis: genesis, demo: options.demo,
                          tradeRules: options.tradeRules, logger: logger),
            StreamService(server: server),
            BackgroundService(server: server, snapshotEvery: options.snapshotEvery),
            StorageFaultLogService(server: server),
        ]
        if let demo = options.demo { services.append(DemoService(server: server, demo: demo)) }
        let keyNote = admin.created ? "a new admin key was written to" : "admin key in"
        let venueNote = (venueKey.created ? "a new venue key was written to " : "venue key ") + options.venueKeyPath
            + " (kid \(venueKey.key.publicKey.kid))"
        let app = server.makeApplication { port in
            print("margin serve: dashboard at http://\(options.server.host):\(port)/ (\(keyNote) \(options.adminKeyFile)); "
                  + "journal \(options.journal); \(venueNote)")
        }
        services.append(app)
        services.append(StreamClosingService(server: server))
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        server.denials.flush(logger: logger, force: true)  // the last window of unauthenticated denials
    }
}
