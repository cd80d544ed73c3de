/// How the service is set up: where it listens, its limits and its rate limit.
public struct ServerConfiguration: Sendable {
    public static let defaultMaxBodyBytes = 1 << 20

    /// Bind host (loopback by default: put the service behind the venue's gateway).
    public var host = "127.0.0.1"
    /// TCP port (0: any free port; ``MarginServer/boundPort`` tells which once running).
    public var port = 8080
    /// Request bodies above this many bytes are refused with 413 (1 MiB).
    public var maxBodyBytes = ServerConfiguration.defaultMaxBodyBytes
    /// The per-key token bucket (``RateLimit``).
    public var rateLimit = RateLimit()
    /// Unauthenticated requests (401s) per peer address: each costs 1 credit; past the bucket they are 429.
    public var addressRateLimit = RateLimit(creditsPerSecond: 20, burst: 200)
    /// Unauthenticated denials are logged in one line per this interval (``DenialTally``).
    public var denialLogInterval: Duration = .seconds(10)
    /// WebSocket streams: events (health, liquidation) buffered per client before it is dropped as too slow.
    public var streamBuffer = 1_024
    /// Connections: their cap, timeouts, request-head limits and the shutdown grace.
    public var connections = ConnectionLimits()
    /// Bounds on computations (``ComputeLimits``).
    public var compute = ComputeLimits()

    public init() {}
}

/// A per-key token bucket, as Deribit's credits: each request costs credits (``cost(of:)``), the bucket holds at
/// most ``burst`` and refills ``creditsPerSecond``; an empty bucket answers 429 with `Retry-After`.
public struct RateLimit: Sendable {
    /// Credits refilled per second.
    public var creditsPerSecond: Double = 500
    /// The bucket's size (and a new key's starting credits).
    public var burst: Double = 2_000
    /// Credits of a computation-heavy read (a what-if, a liquidation-price search, a margin explanation).
    public var heavyCost: Double = 10

    public init(creditsPerSecond: Double = 500, burst: Double = 2_000) {
        self.creditsPerSecond = creditsPerSecond
        self.burst = burst
    }

    /// The credits a request on `route` costs: 1, or ``heavyCost`` for computations.
    func cost(of route: RouteSpec) -> Double { route.heavy ? heavyCost : 1 }
}
