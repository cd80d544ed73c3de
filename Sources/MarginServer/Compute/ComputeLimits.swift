/// Bounds on the service's computations (a what-if, a margin explanation, a liquidation-price search, a backtest),
/// so that no key's requests, inside its rate limit, can hold up the engine or the other callers:
///
/// - a cap per request: at most ``maxLegs`` legs in a what-if (422 `limit_exceeded`, naming the limit);
/// - a cost that grows with the work: beside the route's ``RateLimit/heavyCost``, ``creditsPerHundredUnits`` per
///   100 units of work (legs plus the account's positions; a backtest's history rows times its legs, divided by
///   100), taken from the same bucket (429 `rate_limited` with `Retry-After` when it is empty);
/// - at most ``perKeyConcurrency`` computations of one key at once (429 `too_many_computations`);
/// - computations run on ``threads`` threads of their own below the engine's priority (``ComputePool``), never on
///   the engine's writer thread nor on the threads serving requests; at most ``queueLimit`` wait for one (503
///   `busy` beyond, with `Retry-After`).
///
/// Every computation reads a copy of what it needs taken in one hop on the engine's thread (the account's portfolio
/// and the market: ``RiskEngine/accountInputs(of:)``), then computes without the engine.
public struct ComputeLimits: Sendable {
    /// The most legs in one what-if.
    public var maxLegs = 1_000
    /// Credits per 100 units of work, beyond the route's heavy cost.
    public var creditsPerHundredUnits = 1.0
    /// Computations of one API key running or waiting at once.
    public var perKeyConcurrency = 2
    /// Threads computing (at a lower priority than the engine's and the server's).
    public var threads = 1
    /// Computations waiting for a thread, beyond which the service answers 503.
    public var queueLimit = 64

    public init() {}
}
