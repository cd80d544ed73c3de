import MarginCore

/// Two underlyings, sorted by name (`first < second`): the key of a pair's estimator, cross rate and provenance.
public struct UnderlyingPair: Hashable, Sendable, Comparable {
    public let first: String
    public let second: String

    /// The pair of `a` and `b` in either order.
    public init(_ a: String, _ b: String) {
        (first, second) = a < b ? (a, b) : (b, a)
    }

    public static func < (x: UnderlyingPair, y: UnderlyingPair) -> Bool { (x.first, x.second) < (y.first, y.second) }

    public var description: String { "\(first)/\(second)" }
}

/// Where the table journaled by the dynamic rule came from: written in the same `correlations` event as the table
/// (`"provenance"`), kept in ``EngineState/correlationProvenance``, so that every change of the table in force is
/// reported, and replayed, with its sources.
public struct CorrelationProvenance: Hashable, Sendable {
    /// One pair of the table.
    public struct Pair: Hashable, Sendable {
        public var pair: UnderlyingPair
        /// Implied (a cross rate's options at the policy's tenor), realized (the EWMA estimator) or fallback (the
        /// policy's configured table).
        public var source: CorrelationTableRule.Source
        /// ρ as the source gave it, before the clamp to ±0.99 and the positive-definite repair.
        public var sourced: Double
        /// Whether the table's ρ differs from ``sourced`` (clamped, or moved by the nearest-correlation repair).
        public var repaired: Bool
        /// Sampling intervals in the pair's realized estimate (0 when it has none yet), whatever the source.
        public var samples: Int
        /// Why a preferred source was not used, e.g. the cross rate's quotes are stale or inconsistent; `nil` when
        /// the pair's best source was available.
        public var note: String?

        public init(pair: UnderlyingPair, source: CorrelationTableRule.Source, sourced: Double, repaired: Bool,
                    samples: Int, note: String? = nil) {
            self.pair = pair
            self.source = source
            self.sourced = sourced
            self.repaired = repaired
            self.samples = samples
            self.note = note
        }
    }

    /// The market time the table was decided at (the latest market event's time): the change detector's clock.
    public var asOf: Instant
    /// Every pair of the underlyings with a market, sorted.
    public var pairs: [Pair]
    /// Whether the sourced matrix needed the nearest-correlation repair (or the bound after it).
    public var repaired: Bool
    /// The largest |Δρ| against the table in force before it (unlisted pairs ρ = 0).
    public var largestChange: Double

    public init(asOf: Instant, pairs: [Pair], repaired: Bool, largestChange: Double) {
        self.asOf = asOf
        self.pairs = pairs.sorted { $0.pair < $1.pair }
        self.repaired = repaired
        self.largestChange = largestChange
    }

    /// Intrinsic checks (the journal writes and reads back exactly what passes): an instant ISO-8601 can write,
    /// pairs of two different names, each listed once, ρ finite in [−1, 1], counts ≥ 0.
    public func validate() throws(EngineError) {
        guard asOf.isISO8601Representable else {
            throw .invalid(field: "provenance.asOf", reason: "\(asOf) is outside years 1678–2261")
        }
        guard largestChange.isFinite, largestChange >= 0 else {
            throw .invalid(field: "provenance.largestChange", reason: "must be a finite number ≥ 0")
        }
        var seen = Set<UnderlyingPair>()
        for p in pairs {
            let field = "provenance.pairs[\(p.pair.description)]"
            try EngineError.checkName(p.pair.first, field: field)
            try EngineError.checkName(p.pair.second, field: field)
            guard p.pair.first != p.pair.second else {
                throw .invalid(field: field, reason: "pairs an underlying with itself")
            }
            guard seen.insert(p.pair).inserted else { throw .invalid(field: field, reason: "is listed twice") }
            guard p.sourced.isFinite, abs(p.sourced) <= 1 else {
                throw .invalid(field: "\(field).sourced", reason: "must be a finite number in [-1, 1]")
            }
            guard p.samples >= 0 else { throw .invalid(field: "\(field).samples", reason: "must be ≥ 0") }
            if let note = p.note, note.count > 1_000 {
                throw .invalid(field: "\(field).note", reason: "must be at most 1000 characters")
            }
        }
    }
}
