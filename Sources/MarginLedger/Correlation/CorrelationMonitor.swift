import MarginCore

/// The realized-correlation estimators the dynamic table reads, fed by the engine's own journaled market events:
/// one ``RealizedCorrelationEstimator`` per pair of underlyings (EWMA of index log-returns on the policy's
/// sampling clock and half-life), so that a new underlying starts its own pairs without resetting the others.
///
/// Part of ``EngineState``, changed only by ``EngineState/apply(_:)`` of `market` and `correlationPolicy` events,
/// and written whole in snapshots: replaying the journal from genesis, or from any snapshot, gives the same
/// estimators bit for bit, hence the same next table as the live engine (docs/ENGINE.md, "The dynamic table").
///
/// **Feeding.** A market event of underlying u at time t (its index after the event's merge) is observed by every
/// pair of u with another underlying that has a market; a pair is created when its second underlying gets a market,
/// seeded with the other leg's current index. Events of different underlyings need not come in time order in the
/// engine (each underlying's time only never goes back); a pair's estimator needs non-decreasing times, so an
/// observation stamped before the pair's last update is taken at that update's time (its index still counts as the
/// latest). ``clock`` is the latest market time seen: the rule's and the change detector's clock.
public struct CorrelationMonitor: Hashable, Sendable {
    /// Estimators by pair.
    public internal(set) var estimators: [UnderlyingPair: RealizedCorrelationEstimator] = [:]
    /// The latest market time observed (`nil` before the first market event under the policy).
    public internal(set) var clock: Instant?

    public init() {}

    package init(estimators: [UnderlyingPair: RealizedCorrelationEstimator], clock: Instant?) {
        self.estimators = estimators
        self.clock = clock
    }

    /// Observes `underlying`'s index in `markets` (already merged) at `time`.
    package mutating func observe(_ underlying: String, at time: Instant, markets: [String: UnderlyingMarket],
                          configuration: RealizedCorrelationEstimator.Configuration) {
        guard let index = markets[underlying]?.index else { return }
        clock = max(clock ?? time, time)
        for other in markets.keys.sorted() where other != underlying {
            let pair = UnderlyingPair(underlying, other)
            if estimators[pair] == nil {
                guard var e = try? RealizedCorrelationEstimator(names: [pair.first, pair.second],
                                                                 configuration: configuration),
                      let otherIndex = markets[other]?.index else { continue }
                try? e.observe(other, index: otherIndex, at: time)
                estimators[pair] = e
            }
            guard var e = estimators[pair] else { continue }
            let at = max(time, e.lastUpdate ?? time)
            try? e.observe(underlying, index: index, at: at)
            estimators[pair] = e
        }
    }

    /// The pair's realized ρ once its estimator is warmed up, and its sample count (0 without an estimator).
    public func realized(_ pair: UnderlyingPair) -> (rho: Double?, samples: Int) {
        guard let e = estimators[pair] else { return (nil, 0) }
        return (e.estimate?.rho(pair.first, pair.second), e.samples)
    }
}
