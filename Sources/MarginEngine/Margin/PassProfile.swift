import MarginLedger

/// Where the wall-clock time of the engine's last re-margining pass went (seconds), for benchmarks and metrics.
///
/// A pass follows a market update (or a batch of them): the accounts nearest liquidation first, then every other
/// exposed account (see ``RiskEngine/submitMarkets(_:)``).
public struct PassProfile: Hashable, Sendable {
    /// Underlyings whose market changed.
    public var underlyings = 0
    /// Accounts re-margined.
    public var accounts = 0
    /// Threads the pass was allowed (the writer's and helpers; the results never depend on it).
    public var threads = 1
    /// Seconds from the event's arrival at the writer to the start of the pass: validation, journal append and
    /// applying it to the ledger.
    public var prologue = 0.0
    /// Seconds choosing the accounts nearest liquidation and collecting the instruments they hold.
    public var prioritySelection = 0.0
    /// Instrument arrays priced before the first `reportAfter` accounts nearest liquidation were re-margined.
    public var priorityArrays = 0
    /// How many of them the second thread (``PassHelper``) priced.
    public var priorityArraysByHelper = 0
    /// Seconds pricing those arrays.
    public var priorityPricing = 0.0
    /// Seconds from the start of the pass until the first `reportAfter` accounts were re-margined.
    public var priorityLatency = 0.0
    /// Instrument arrays priced in the whole pass (each at most once).
    public var arrays = 0
    /// Seconds pricing instrument arrays in the whole pass.
    public var pricing = 0.0
    /// Seconds in the full sweep over the other exposed accounts (aggregation and recombination).
    public var sweep = 0.0
    /// Seconds of the whole pass (excluding the prologue).
    public var total = 0.0

    public init() {}
}

extension ContinuousClock.Instant {
    /// Seconds from `self` to now.
    var secondsToNow: Double { (ContinuousClock.now - self).seconds }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
