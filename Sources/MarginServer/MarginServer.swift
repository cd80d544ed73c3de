import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import MarginEngine
import MarginLedger
import NIOCore
import ServiceLifecycle
import Synchronization

/// The HTTP and WebSocket service over one engine (docs/SERVICE.md).
///
/// It is handed its engine (no global state): ``init(engine:adminKey:venue:configuration:metrics:logger:)`` with an
/// open engine, or ``init(adminKey:venue:configuration:metrics:logger:)`` and ``attach(_:)`` once the engine has
/// recovered, so
/// that `/healthz` answers and `/readyz` says `recovering` meanwhile. ``makeApplication()`` builds the Hummingbird
/// application (a `Service`: run it in a `ServiceGroup`). Handlers are thin: decode the request, call the engine
/// or a MarginApp use-case, encode the result.
public final class MarginServer: Sendable {
    public typealias Context = ServiceRequestContext

    public let configuration: ServerConfiguration
    public let keys: KeyRing
    public let metrics: ServiceMetrics
    public let metricsSetup: MetricsSetup
    public let logger: Logger
    /// Every route as registered (the OpenAPI test compares it with the document).
    public let routes = RouteTable()
    let limiter: RateLimiter
    /// Unauthenticated requests' buckets, per peer address.
    let addressLimiter: RateLimiter
    /// Unauthenticated denials, logged in aggregate.
    let denials: DenialTally
    let hub: StreamHub
    /// The open connections and their cap (``ConnectionLimits/maxConnections``).
    let roster: ConnectionRoster
    /// Where computations run, and how many of each key's (``ComputeLimits``).
    let computePool: ComputePool
    let computeAdmission: ComputeAdmission
    /// Who signs statements and commitments.
    public let venue: VenueIdentity
    /// The latest commitment over every account, per journal sequence.
    let commitments = CommitmentCache()
    private let slot = Mutex<RiskEngine?>(nil)
    private let port = Mutex<Int?>(nil)
    private let snapshotSequence = Atomic<UInt64>(0)

    /// A server without its engine yet (``attach(_:)``).
    ///
    /// - Parameter venue: the venue's name and signing key; by default a key of this process only
    ///   (``VenueIdentity/ephemeral(name:)``: `margin serve` loads `--venue-key`).
    public init(adminKey: String, venue: VenueIdentity = .ephemeral(),
                configuration: ServerConfiguration = ServerConfiguration(),
                metrics: MetricsSetup = MetricsSetup(), logger: Logger = Logger(label: "margin.serve")) {
        self.configuration = configuration
        self.venue = venue
        keys = KeyRing(adminKey: adminKey)
        metricsSetup = metrics
        self.metrics = ServiceMetrics(factory: metrics.factory)
        self.logger = logger
        limiter = RateLimiter(configuration.rateLimit)
        addressLimiter = RateLimiter(configuration.addressRateLimit)
        denials = DenialTally(interval: configuration.denialLogInterval)
        hub = StreamHub(metrics: self.metrics)
        roster = ConnectionRoster(cap: configuration.connections.maxConnections)
        computePool = ComputePool(threads: configuration.compute.threads)
        computeAdmission = ComputeAdmission(limit: configuration.compute.perKeyConcurrency)
    }

    deinit { computePool.finish() }

    /// A server over an open engine.
    public convenience init(engine: RiskEngine, adminKey: String, venue: VenueIdentity = .ephemeral(),
                            configuration: ServerConfiguration = ServerConfiguration(),
                            metrics: MetricsSetup = MetricsSetup(), logger: Logger = Logger(label: "margin.serve")) async {
        self.init(adminKey: adminKey, venue: venue, configuration: configuration, metrics: metrics, logger: logger)
        await attach(engine)
    }

    /// Hands the server its (recovered) engine: loads the journaled keys, then serves.
    public func attach(_ engine: RiskEngine) async {
        keys.load(await engine.frontEndRecords)
        slot.withLock { $0 = engine }
    }

    /// The engine, once attached.
    public var engine: RiskEngine? { slot.withLock { $0 } }

    /// The engine, or 503 while it recovers.
    func readyEngine() throws(APIError) -> RiskEngine {
        guard let engine else {
            throw APIError(.serviceUnavailable, "unavailable", "the engine is recovering", headers: [.retryAfter: "1"])
        }
        return engine
    }

    /// Notes the sequence of the last snapshot written (`margin_journal_lag_events`).
    public func noteSnapshot(sequence: UInt64) { snapshotSequence.store(sequence, ordering: .relaxed) }

    var lastSnapshotSequence: UInt64 { snapshotSequence.load(ordering: .relaxed) }

    private func setPort(_ p: Int?) { port.withLock { $0 = p } }

    /// The port the server listens on, once running.
    public var boundPort: Int? { port.withLock { $0 } }

    /// The router: every route of the API, behind the metrics, gate and body middlewares.
    public func makeRouter() -> Router<Context> {
        let router = Router(context: Context.self)
        router.middlewares.add(RequestMetricsMiddleware(metrics: metrics))
        router.middlewares.add(MethodMiddleware(routes: routes))
        router.middlewares.add(GateMiddleware(routes: routes, keys: keys, limiter: limiter,
                                              limit: configuration.rateLimit, metrics: metrics, logger: logger,
                                              addresses: addressLimiter, tally: denials))
        router.middlewares.add(BodyMiddleware(maxBytes: configuration.maxBodyBytes))
        addOperationRoutes(router)
        addKeyRoutes(router)
        addAccountRoutes(router)
        addWriteRoutes(router)
        addLiquidationRoutes(router)
        addTradeBatchRoutes(router)
        addIngestRoutes(router)
        addParameterRoutes(router)
        addBacktestRoutes(router)
        addStatementRoutes(router)
        addStreamRoutes(router)
        return router
    }

    /// The application: HTTP/1.1 with WebSocket upgrades on the same router, on the configured host and port,
    /// every connection held to ``ServerConfiguration/connections`` (``GuardedHTTPChannel``).
    public func makeApplication(services: [any Service] = [],
                                onRunning: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        let router = makeRouter()
        return Application(
            router: router,
            server: GuardedHTTPChannel.builder(webSocketRouter: router, limits: configuration.connections,
                                               roster: roster, maxFrameSize: 1 << 16, closeTimeout: .seconds(2)),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                    serverName: "margin",
                                                    availableConnectionsDelegate: ConnectionRoster.Admission(roster: roster)),
            services: services,
            onServerRunning: { [self] channel in
                setPort(channel.localAddress?.port)
                if let p = channel.localAddress?.port { onRunning(p) }
            },
            logger: logger)
    }

    /// Fans the engine's health transitions out to stream clients until cancelled (a service of `margin serve`;
    /// tests run it beside the application).
    public func runStreams() async {
        guard let engine else { return }
        await hub.run(engine: engine)
        hub.finishAll()
    }

    /// Ends every stream (shutdown).
    public func finishStreams() { hub.finishAll() }
}
