extension RealizedCorrelationEstimator {
    /// Everything an estimator has accumulated, as plain values: what a snapshot stores so that an estimator
    /// restored from it (``init(names:configuration:state:)``) continues bit for bit as the original would.
    public struct State: Hashable, Sendable {
        /// Intervals counted so far.
        public var samples: Int
        /// Time of the latest update.
        public var lastUpdate: Instant?
        /// Number of the last closed tick (its time is `tick · Δ`), `nil` before the first update.
        public var tick: Int64?
        /// Last known index per underlying (0 = none yet), in `names` order.
        public var latest: [Double]
        /// Index per underlying at the last closed tick (0 = none).
        public var atTick: [Double]
        /// EWMA second moments, row-major `names.count × names.count`.
        public var moments: [Double]

        public init(samples: Int, lastUpdate: Instant?, tick: Int64?, latest: [Double], atTick: [Double],
                    moments: [Double]) {
            self.samples = samples
            self.lastUpdate = lastUpdate
            self.tick = tick
            self.latest = latest
            self.atTick = atTick
            self.moments = moments
        }
    }

    /// The accumulated state.
    public var state: State {
        State(samples: samples, lastUpdate: lastUpdate, tick: tick, latest: latest, atTick: atTick, moments: moments)
    }

    /// An estimator of `names` with `configuration` that has accumulated `state`.
    ///
    /// - Throws: as ``init(names:configuration:)``; also when the state's arrays do not fit `names` (`n` indices,
    ///   `n²` moments), an index is negative or not finite, a moment is not finite, or `samples` is negative.
    public init(names: [String], configuration: Configuration, state: State) throws(InputError) {
        try self.init(names: names, configuration: configuration)
        let n = names.count
        guard state.latest.count == n, state.atTick.count == n, state.moments.count == n * n else {
            throw InputError.invalid(path: "state", reason: "needs \(n) indices and \(n * n) moments")
        }
        guard state.samples >= 0 else { throw InputError.invalid(path: "state.samples", reason: "must be ≥ 0") }
        for x in state.latest + state.atTick where !(x.isFinite && x >= 0) {
            throw InputError.invalid(path: "state", reason: "an index must be a finite number ≥ 0, got \(x)")
        }
        for x in state.moments where !x.isFinite {
            throw InputError.invalid(path: "state.moments", reason: "must be finite, got \(x)")
        }
        samples = state.samples
        lastUpdate = state.lastUpdate
        tick = state.tick
        latest = state.latest
        atTick = state.atTick
        moments = state.moments
    }
}
