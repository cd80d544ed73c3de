#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exponentially weighted (EWMA) estimator of the correlation of the underlyings' index log-returns, fed with
/// index updates at irregular market times.
///
/// - **Alignment (a common clock, last known index).** Returns are taken on a clock of ticks at whole multiples of
///   `samplingIntervalSeconds` since the Unix epoch. The index of an underlying at a tick is its last update at or
///   before the tick (previous-tick sampling); the return of each interval between consecutive ticks is
///   `ln(S(tₖ)/S(tₖ₋₁))` for every underlying, so all underlyings' returns cover the same interval whatever their
///   update times. An interval counts only once every underlying has an index at both of its ticks. An underlying
///   that did not update in an interval has a zero return there; choose an interval well above the slowest
///   underlying's typical update spacing (staleness biases ρ towards 0: the Epps effect).
/// - **Decay (irregular timestamps).** Weights decay with market time: a return ending at tick tₖ has weight
///   `2^{−(t − tₖ)/halfLife}` at time t, i.e. the sums are multiplied by `λ = 2^{−Δ/halfLife}` per tick. A gap of m
///   ticks without updates contributes one return and m − 1 zero returns (λ^{m−1} at once, O(1)); zero returns
///   rescale all sums together and leave the correlation unchanged.
/// - **Estimate.** Zero-mean EWMA: `Sᵢⱼ ← λ·Sᵢⱼ + (1 − λ)·rᵢ·rⱼ`, `ρᵢⱼ = Sᵢⱼ / √(Sᵢᵢ·Sⱼⱼ)` (clamped to [−1, 1]
///   against rounding).
/// - **Warm-up.** ``estimate`` is `nil` until `warmUpSamples` intervals have counted and every underlying's
///   weighted variance is positive (an underlying that never moved has no correlation); also `nil` again if the
///   weights underflow after a gap of ~1,000 half-lives.
///
/// Ticks close as market time passes: an update at time t first closes every tick before t (updates at the tick's
/// own time belong to it), so updates must come in non-decreasing time order. A pure value: no I/O, no clock of its
/// own; feeding the same updates gives the same bits.
public struct RealizedCorrelationEstimator: Hashable, Sendable {
    /// The estimator's parameters.
    public struct Configuration: Hashable, Sendable {
        /// Half-life of the weights, seconds of market time (> 0). Default 7 days.
        public var halfLifeSeconds: Double
        /// Sampling interval Δ, seconds (a whole number ≥ 1). Default 300 (5 minutes).
        public var samplingIntervalSeconds: Int64
        /// Intervals needed before an estimate is given (≥ 2). Default 100.
        public var warmUpSamples: Int

        public init(halfLifeSeconds: Double = 7 * 86_400, samplingIntervalSeconds: Int64 = 300,
                    warmUpSamples: Int = 100) {
            self.halfLifeSeconds = halfLifeSeconds
            self.samplingIntervalSeconds = samplingIntervalSeconds
            self.warmUpSamples = warmUpSamples
        }
    }

    /// Underlyings estimated, in matrix order.
    public let names: [String]
    /// Half-life, sampling interval and warm-up.
    public let configuration: Configuration
    /// Per-tick decay `2^{−Δ/halfLife}`.
    public let decay: Double
    /// Intervals counted so far.
    public internal(set) var samples = 0
    /// Time of the latest update.
    public internal(set) var lastUpdate: Instant?

    private let interval: Int64
    /// Last known index per underlying (0 = none yet).
    var latest: [Double]
    /// Index per underlying at the last closed tick (0 = none).
    var atTick: [Double]
    /// Number of the last closed tick (its time is `tick · Δ`).
    var tick: Int64?
    /// EWMA second moments, row-major.
    var moments: [Double]

    /// An estimator of `names` (distinct, non-empty).
    ///
    /// - Throws: ``InputError`` naming the field: an empty or repeated name, a half-life that is not a positive
    ///   finite number, an interval < 1 s, or a warm-up < 2.
    public init(names: [String], configuration: Configuration = Configuration()) throws(InputError) {
        for (i, name) in names.enumerated() {
            guard !name.isEmpty else { throw InputError.invalid(path: "names[\(i)]", reason: "is empty") }
            guard names.firstIndex(of: name) == i else {
                throw InputError.invalid(path: "names[\(i)]", reason: "\"\(name)\" is listed twice")
            }
        }
        let c = configuration
        guard c.halfLifeSeconds.isFinite, c.halfLifeSeconds > 0 else {
            throw InputError.invalid(path: "halfLifeSeconds", reason: "must be a number > 0, got \(c.halfLifeSeconds)")
        }
        guard c.samplingIntervalSeconds >= 1, c.samplingIntervalSeconds <= 365 * 86_400 else {
            throw InputError.invalid(
                path: "samplingIntervalSeconds",
                reason: "must be a whole number of seconds in [1, 31536000], got \(c.samplingIntervalSeconds)")
        }
        guard c.warmUpSamples >= 2 else {
            throw InputError.invalid(path: "warmUpSamples", reason: "must be at least 2, got \(c.warmUpSamples)")
        }
        self.names = names
        self.configuration = c
        interval = c.samplingIntervalSeconds * 1_000_000_000
        decay = exp2(-Double(c.samplingIntervalSeconds) / c.halfLifeSeconds)
        latest = [Double](repeating: 0, count: names.count)
        atTick = latest
        moments = [Double](repeating: 0, count: names.count * names.count)
    }

    /// Records an index update of `name` at `time` (closing every tick before `time` first).
    ///
    /// - Throws: ``InputError`` for an unknown name, an index that is not a positive finite number, or a time
    ///   before the previous update.
    public mutating func observe(_ name: String, index: Double, at time: Instant) throws(InputError) {
        guard let i = names.firstIndex(of: name) else { throw InputError.unknownUnderlying(path: "name", name: name) }
        guard index.isFinite, index > 0 else {
            throw InputError.invalid(path: name, reason: "index must be a positive finite price, got \(index)")
        }
        try advance(to: time)
        latest[i] = index
    }

    /// Records updates of several underlyings at one `time`: `indices[i]` for `names[i]`, `nil` for no update.
    ///
    /// - Throws: as ``observe(_:index:at:)``; also when `indices` does not have one entry per name. Nothing is
    ///   recorded when it throws.
    public mutating func observe(indices: [Double?], at time: Instant) throws(InputError) {
        guard indices.count == names.count else {
            throw InputError.invalid(path: "indices", reason: "must have \(names.count) entries, has \(indices.count)")
        }
        for (i, v) in indices.enumerated() {
            if let v, !(v.isFinite && v > 0) {
                throw InputError.invalid(path: names[i], reason: "index must be a positive finite price, got \(v)")
            }
        }
        try advance(to: time)
        for (i, v) in indices.enumerated() { if let v { latest[i] = v } }
    }

    /// Lets market time reach `time` without an update: closes every tick before `time`.
    ///
    /// - Throws: ``InputError`` when `time` is before the previous update.
    public mutating func advance(to time: Instant) throws(InputError) {
        if let last = lastUpdate, time < last {
            throw InputError.invalid(path: "time", reason: "\(time) is before the previous update at \(last)")
        }
        lastUpdate = time
        // The last tick strictly before `time`.
        let t = time.nanosecondsSinceEpoch
        let q = t / interval
        let floorTick = (t % interval != 0 && t < 0) ? q - 1 : q
        let end = t % interval == 0 ? floorTick - 1 : floorTick
        guard let previous = tick else {
            tick = end
            atTick = latest
            return
        }
        guard end > previous else { return }
        let n = names.count
        // The first tick closed sees every update so far; the m − 1 after it see the same indices.
        if complete(atTick), complete(latest) {
            let returns = (0..<n).map { log(latest[$0] / atTick[$0]) }
            for i in 0..<n {
                for j in 0..<n {
                    moments[i * n + j] = decay * moments[i * n + j] + (1 - decay) * returns[i] * returns[j]
                }
            }
            samples += 1
        }
        atTick = latest
        let rest = end - previous - 1
        if rest > 0, complete(atTick) {
            let factor = pow(decay, Double(rest))
            for k in 0..<(n * n) { moments[k] *= factor }
            let (sum, overflow) = samples.addingReportingOverflow(Int(rest))
            samples = overflow ? Int.max : sum
        }
        tick = end
    }

    /// The correlation matrix, or `nil` during warm-up (fewer than `warmUpSamples` intervals, or an underlying
    /// without variance).
    public var estimate: RealizedCorrelation? {
        let n = names.count
        guard samples >= configuration.warmUpSamples, let tick else { return nil }
        for i in 0..<n where !(moments[i * n + i] > 0) { return nil }
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                m[i * n + j] = i == j
                    ? 1 : min(max(moments[i * n + j] / (moments[i * n + i] * moments[j * n + j]).squareRoot(), -1), 1)
            }
        }
        return RealizedCorrelation(names: names, matrix: m, samples: samples,
                                   asOf: Instant(nanosecondsSinceEpoch: tick * interval))
    }

    private func complete(_ prices: [Double]) -> Bool { !prices.contains(0) }
}
