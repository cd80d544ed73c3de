/// Decides when a new correlation table is worth publishing: only when some ρ has moved by more than `threshold`
/// since the table last emitted, and no sooner than `minimumIntervalSeconds` of market time after it.
///
/// Market time is the `time` passed to ``offer(_:at:)`` (an index update's or a snapshot's), never the wall clock.
/// The first table offered is always emitted. A change offered too soon is not queued: it is emitted at the first
/// offer after the interval if it still exceeds the threshold then (offers come with every market update). Pairs
/// absent from a table count as ρ = 0; a time before the last emission emits nothing. A pure value.
public struct CorrelationTableChangeDetector: Hashable, Sendable {
    /// Smallest |Δρ| that is a change (strictly larger emits). Default 0.02.
    public var threshold: Double
    /// Market seconds that must pass between emissions (≥ 0). Default 300.
    public var minimumIntervalSeconds: Double
    /// The table last emitted.
    public private(set) var current: CorrelationTable?
    /// When it was emitted.
    public private(set) var emittedAt: Instant?

    public init(threshold: Double = 0.02, minimumIntervalSeconds: Double = 300) {
        self.threshold = threshold
        self.minimumIntervalSeconds = minimumIntervalSeconds
    }

    /// The largest |Δρ| between two tables over the pairs either lists (unlisted = 0).
    public static func largestChange(_ a: CorrelationTable, _ b: CorrelationTable) -> Double {
        var largest = 0.0
        for (x, y, _) in a.pairs + b.pairs { largest = max(largest, abs(a.rho(x, y) - b.rho(x, y))) }
        return largest
    }

    /// Offers the table computed at market time `time`; returns it when it is to be published (and remembers it),
    /// `nil` otherwise.
    public mutating func offer(_ table: CorrelationTable, at time: Instant) -> CorrelationTable? {
        guard let current, let emittedAt else {
            self.current = table
            emittedAt = time
            return table
        }
        let elapsed = Double(time.nanosecondsSinceEpoch - emittedAt.nanosecondsSinceEpoch) / 1e9
        guard elapsed >= minimumIntervalSeconds,
              CorrelationTableChangeDetector.largestChange(current, table) > threshold
        else { return nil }
        self.current = table
        self.emittedAt = time
        return table
    }
}
