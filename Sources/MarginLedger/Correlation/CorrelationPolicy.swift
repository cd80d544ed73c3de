import MarginCore

/// How the engine derives the correlation table in force from the market (docs/ENGINE.md, "The dynamic table"):
/// the estimator's parameters, the rule's tenor, and when a new table is journaled. Part of ``EngineState``
/// (journaled as a `correlationPolicy` event), so that replay derives exactly the tables the live engine did.
///
/// Units: seconds of **market** time (the engine's market events' `time`), never the wall clock; ρ dimensionless.
public struct CorrelationPolicy: Hashable, Sendable {
    /// Whether the engine derives the table (``EngineCore/pendingCorrelationUpdate()`` proposes tables only then).
    public var enabled: Bool
    /// Half-life of the realized estimator's EWMA weights, seconds (> 0). Default 7 days.
    public var halfLifeSeconds: Double
    /// The estimator's sampling interval Δ, whole seconds in [1, 31 536 000]. Default 300.
    public var samplingIntervalSeconds: Int64
    /// Intervals a pair needs before its realized ρ is used (≥ 2). Default 100.
    public var warmUpSamples: Int
    /// Tenor at which implied correlation is read from a cross rate's surface, days in (0, 36 500]. Default 30.
    public var impliedTenorDays: Double
    /// A cross rate older than this (market time since its last update) implies nothing, seconds (> 0). Default
    /// 3,600: stale option quotes must not set the table.
    public var impliedMaximumAgeSeconds: Double
    /// Smallest |Δρ| against the table last journaled by the rule that journals a new one (strictly larger),
    /// in [0, 2]. Default 0.02.
    public var threshold: Double
    /// Market seconds that must pass between two tables journaled by the rule (≥ 0). Default 300.
    public var minimumIntervalSeconds: Double
    /// The configured table: ρ of a pair with neither an implied nor a warmed-up realized value (unlisted = 0).
    public var fallback: CorrelationTable

    public init(enabled: Bool = true, halfLifeSeconds: Double = 7 * 86_400, samplingIntervalSeconds: Int64 = 300,
                warmUpSamples: Int = 100, impliedTenorDays: Double = 30, impliedMaximumAgeSeconds: Double = 3_600,
                threshold: Double = 0.02, minimumIntervalSeconds: Double = 300,
                fallback: CorrelationTable = CorrelationTable()) {
        self.enabled = enabled
        self.halfLifeSeconds = halfLifeSeconds
        self.samplingIntervalSeconds = samplingIntervalSeconds
        self.warmUpSamples = warmUpSamples
        self.impliedTenorDays = impliedTenorDays
        self.impliedMaximumAgeSeconds = impliedMaximumAgeSeconds
        self.threshold = threshold
        self.minimumIntervalSeconds = minimumIntervalSeconds
        self.fallback = fallback
    }

    /// The realized estimator's configuration.
    public var estimator: RealizedCorrelationEstimator.Configuration {
        RealizedCorrelationEstimator.Configuration(halfLifeSeconds: halfLifeSeconds,
                                                   samplingIntervalSeconds: samplingIntervalSeconds,
                                                   warmUpSamples: warmUpSamples)
    }

    /// The tenor in years (365-day years, MARGIN_MODEL.md's).
    public var impliedTenorYears: Double { impliedTenorDays / 365 }

    /// Every field in its domain (the fallback table as `market.json`'s correlations).
    ///
    /// - Throws: ``EngineError/invalid(field:reason:)`` naming the field, under `correlationPolicy.`.
    public func validate() throws(EngineError) {
        func check(_ ok: Bool, _ field: String, _ domain: String, _ value: String) throws(EngineError) {
            guard ok else {
                throw .invalid(field: "correlationPolicy.\(field)", reason: "must be \(domain), got \(value)")
            }
        }
        try check(halfLifeSeconds.isFinite && halfLifeSeconds > 0 && halfLifeSeconds <= 3.2e10, "halfLifeSeconds",
                  "a number of seconds in (0, 3.2e10]", "\(halfLifeSeconds)")
        try check((1...31_536_000).contains(samplingIntervalSeconds), "samplingIntervalSeconds",
                  "a whole number of seconds in [1, 31536000]", "\(samplingIntervalSeconds)")
        try check((2...1_000_000).contains(warmUpSamples), "warmUpSamples", "a whole number in [2, 1000000]",
                  "\(warmUpSamples)")
        try check(impliedTenorDays.isFinite && impliedTenorDays > 0 && impliedTenorDays <= 36_500, "impliedTenorDays",
                  "a number of days in (0, 36500]", "\(impliedTenorDays)")
        try check(impliedMaximumAgeSeconds.isFinite && impliedMaximumAgeSeconds > 0, "impliedMaximumAgeSeconds",
                  "a number of seconds > 0", "\(impliedMaximumAgeSeconds)")
        try check(threshold.isFinite && threshold >= 0 && threshold <= 2, "threshold", "in [0, 2]", "\(threshold)")
        try check(minimumIntervalSeconds.isFinite && minimumIntervalSeconds >= 0 && minimumIntervalSeconds <= 3.2e10,
                  "minimumIntervalSeconds", "a number of seconds in [0, 3.2e10]", "\(minimumIntervalSeconds)")
        try EngineError.checking { () throws(InputError) in try fallback.validate(path: "correlationPolicy.fallback") }
    }
}
