/// One model's backtest figures: exceptions, Kupiec's test, the Basel traffic light, capital and shortfalls.
public struct BacktestStatistics: Hashable, Sendable {
    /// One 250-observation window of the traffic light.
    public struct Window: Hashable, Sendable {
        /// First and last observation dates of the window.
        public var start: String
        public var end: String
        public var exceptions: Int
        public var zone: TrafficLightZone
    }

    /// T.
    public var observations: Int
    /// x: days with loss > margin.
    public var exceptions: Int
    /// 1 − x/T.
    public var coverage: Double
    public var kupiec: KupiecTest
    /// The zone over the last ``windowLength`` observations (all of them when fewer).
    public var zone: TrafficLightZone
    /// Every window of ``windowLength`` consecutive observations (rolling by one day); empty when T < 250.
    public var windows: [Window]
    /// Mean maintenance margin over the observations, USD.
    public var meanMargin: Double
    /// ``meanMargin`` / the `fixedPercentage` model's mean margin; `nil` without that model (or when it is 0).
    public var meanMarginVsFixed: Double?
    /// The largest `loss − margin` over the observations (negative when every day was covered), USD, and its date.
    public var worstShortfall: (date: String, amount: Double)
    /// The dates of every exception, in order.
    public var exceptionDates: [String]

    /// The traffic light's window, observations.
    public static let windowLength = 250

    /// - Parameters:
    ///   - losses: `−P&L` per observation, USD.
    ///   - margins: the model's margin per observation, USD (as many as `losses`, at least one).
    ///   - dates: the observations' dates.
    ///   - coverage: C.
    ///   - fixedMeanMargin: the `fixedPercentage` model's mean margin, if run.
    public init(losses: [Double], margins: [Double], dates: [String], coverage: Double, fixedMeanMargin: Double?) {
        precondition(!losses.isEmpty && losses.count == margins.count && dates.count == losses.count)
        let t = losses.count
        var isException = [Bool](repeating: false, count: t)
        var exceptionDates: [String] = []
        var worst = (date: dates[0], amount: losses[0] - margins[0])
        var total = 0.0
        for i in 0..<t {
            let shortfall = losses[i] - margins[i]
            if losses[i] > margins[i] {
                isException[i] = true
                exceptionDates.append(dates[i])
            }
            if shortfall > worst.amount { worst = (dates[i], shortfall) }
            total += margins[i]
        }
        observations = t
        exceptions = exceptionDates.count
        self.coverage = 1 - Double(exceptions) / Double(t)
        kupiec = KupiecTest(observations: t, exceptions: exceptions, coverage: coverage)
        let n = Self.windowLength
        let lastCount = isException.suffix(n).filter { $0 }.count
        zone = TrafficLightZone(exceptions: lastCount, observations: min(t, n), coverage: coverage)
        var windows: [Window] = []
        if t >= n {
            var count = isException[0..<n].filter { $0 }.count
            for end in (n - 1)..<t {
                if end >= n {
                    count += (isException[end] ? 1 : 0) - (isException[end - n] ? 1 : 0)
                }
                windows.append(Window(start: dates[end - n + 1], end: dates[end], exceptions: count,
                                      zone: TrafficLightZone(exceptions: count, observations: n, coverage: coverage)))
            }
        }
        self.windows = windows
        meanMargin = total / Double(t)
        meanMarginVsFixed = fixedMeanMargin.flatMap { $0 > 0 ? total / Double(t) / $0 : nil }
        worstShortfall = worst
        self.exceptionDates = exceptionDates
    }

    public static func == (a: BacktestStatistics, b: BacktestStatistics) -> Bool {
        a.observations == b.observations && a.exceptions == b.exceptions && a.kupiec == b.kupiec && a.zone == b.zone
            && a.windows == b.windows && a.meanMargin == b.meanMargin && a.meanMarginVsFixed == b.meanMarginVsFixed
            && a.worstShortfall == b.worstShortfall && a.exceptionDates == b.exceptionDates
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(exceptions)
        hasher.combine(meanMargin)
    }
}
