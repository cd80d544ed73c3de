/// The smallest scan range (`priceRange`, in steps of 0.5%) at which the reference model's margin reaches a
/// backtest's coverage C with Kupiec's test accepting (`margin backtest --calibrate priceRange`).
///
/// Ranges are tried upwards from 0.5% while the parameter set stays valid (`extremeMultiple × priceRange < 1`); every
/// other parameter is kept.
public struct PriceRangeCalibration: Sendable {
    /// One range tried.
    public struct Trial: Hashable, Sendable {
        public var priceRange: Double
        public var exceptions: Int
        public var coverage: Double
        public var kupiecAccepts: Bool
        public var meanMargin: Double
    }

    /// The step between ranges tried.
    public static let step = 0.005

    /// The ranges tried, ascending, up to the one found.
    public var trials: [Trial]
    /// The calibrated range and the parameters with it; `nil` when no valid range reaches C.
    public var priceRange: Double?
    public var parameters: RiskParameters?

    /// Calibrates `parameters` on `backtest`.
    ///
    /// - Throws: ``InputError`` as ``Backtest/run(models:calculator:progress:)``.
    public init(backtest: Backtest, parameters: RiskParameters, progress: ((Int, Int) -> Void)? = nil)
        throws(InputError)
    {
        trials = []
        var k = 1
        while true {
            var p = parameters
            p.priceRange = Double(k) * Self.step
            guard p.extremeMultiple * p.priceRange < 1, (try? p.validate()) != nil else { break }
            let calculator = MarginCalculator(parameters: p)
            let result = try backtest.run(models: [.portfolio(calculator)], calculator: calculator)
            let s = result.models[0].statistics
            trials.append(Trial(priceRange: p.priceRange, exceptions: s.exceptions, coverage: s.coverage,
                                kupiecAccepts: s.kupiec.accepts, meanMargin: s.meanMargin))
            progress?(k, Int(1 / (p.extremeMultiple * Self.step)))
            if s.coverage >= backtest.coverage && s.kupiec.accepts {
                priceRange = p.priceRange
                self.parameters = p
                return
            }
            k += 1
        }
    }
}
