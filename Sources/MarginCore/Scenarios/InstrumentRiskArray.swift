/// One instrument's USD P&L per unit in every scenario of a ``ScenarioSet``, computed once per instrument and
/// market state and shared by every account that holds the instrument (the SPAN idea).
///
/// A unit is one coin (options, linear futures and perpetuals) or one USD of notional (inverse futures and
/// perpetuals). `pnl` follows ``ScenarioSet``'s layout; P&L is the scenario USD value minus the current USD value
/// (positive = gain). Also carries the per-unit quantities the margin components need, so that an account's
/// requirement is a quantity-weighted sum and nothing is repriced per account.
public struct InstrumentRiskArray: Hashable, Sendable {
    public let instrument: Instrument
    /// USD P&L of one unit per scenario.
    public let pnl: [Double]
    /// Current value and Greeks of one unit.
    public let valuation: InstrumentValuation
    /// Liquidation cost of one unit of |size|, USD (MARGIN_MODEL.md `Liq_u`).
    public let liquidationCostPerUnit: Double
    /// Short-option minimum per unit of short size, USD (0 for futures and perpetuals).
    public let shortOptionMinimumPerUnit: Double
    /// Index price the array was computed at.
    public let index: Double

    /// Revalues `instrument` in every scenario.
    ///
    /// - Throws: ``InputError`` if the instrument has expired or an option has no vol surface.
    public init(instrument: Instrument, market: UnderlyingMarket, scenarios: ScenarioSet,
                parameters: RiskParameters) throws(InputError) {
        var pnl = [Double](repeating: 0, count: scenarios.count)
        let figures = try pnl.withUnsafeMutableBufferPointer { out throws(InputError) in
            try Self.revalue(instrument, in: market, scenarios: scenarios, parameters: parameters, into: out)
        }
        self.init(instrument: instrument, pnl: pnl, figures: figures, index: market.index)
    }

    /// Assembles an array from what ``revalue(_:in:scenarios:parameters:into:)`` wrote and returned for
    /// `instrument` at index `index` (a caller that priced into its own table and also needs the value).
    ///
    /// - Precondition: `pnl` holds the revalued row (``ScenarioSet/count`` values) and `figures` its figures.
    public init(instrument: Instrument, pnl: [Double], figures: Figures, index: Double) {
        self.instrument = instrument
        self.pnl = pnl
        valuation = figures.valuation
        liquidationCostPerUnit = figures.liquidationCostPerUnit
        shortOptionMinimumPerUnit = figures.shortOptionMinimumPerUnit
        self.index = index
    }

    /// The per-unit figures that accompany an instrument's P&L row (see ``revalue(_:in:scenarios:parameters:into:)``).
    public struct Figures: Hashable, Sendable {
        /// Current value and Greeks of one unit.
        public var valuation: InstrumentValuation
        /// Liquidation cost of one unit of |size|, USD.
        public var liquidationCostPerUnit: Double
        /// Short-option minimum per unit of short size, USD.
        public var shortOptionMinimumPerUnit: Double
    }

    /// Writes `instrument`'s USD P&L per unit in every scenario into `out` (``ScenarioSet``'s layout,
    /// `scenarios.count` values) and returns the per-unit figures, allocating nothing: the engine prices straight
    /// into its flat instrument table. ``init(instrument:market:scenarios:parameters:)`` is this into a new array,
    /// so both give bit-identical values. Pure; safe to call concurrently on disjoint buffers.
    ///
    /// - Precondition: `out.count ≥ scenarios.count`.
    /// - Throws: ``InputError`` if the instrument has expired or an option has no vol surface (`out` untouched).
    package static func revalue(_ instrument: Instrument, in market: UnderlyingMarket, scenarios: ScenarioSet,
                               parameters: RiskParameters, into out: UnsafeMutableBufferPointer<Double>)
        throws(InputError) -> Figures
    {
        precondition(out.count >= scenarios.count, "InstrumentRiskArray.revalue: \(out.count) < \(scenarios.count)")
        let valuation = try InstrumentValuation(instrument: instrument, market: market)
        let s = market.index
        let f = valuation.forward
        let rollYears = min(valuation.years, 1) * scenarios.rollShift
        switch instrument.kind {
        case .perpetual, .future:
            // Linear, per coin: F·m. Inverse, per USD notional: (1/F − 1/F')·S' = m·S/F (since S'/F' = S/F).
            let scale = instrument.settlement == .linear ? f : s / f
            for idx in 0..<scenarios.rollOffset { out[idx] = scale * scenarios.scenario(idx).priceMove }
            for k in 0..<2 {
                let fr = f * (1 + (k == 0 ? rollYears : -rollYears))
                out[scenarios.rollOffset + k] = instrument.settlement == .linear ? fr - f : s * (1 / f - 1 / fr)
            }
            return Figures(
                valuation: valuation,
                liquidationCostPerUnit: parameters.futuresLiquidationRate * (instrument.settlement == .linear ? s : 1),
                shortOptionMinimumPerUnit: 0)
        case .option(let c):
            let sigma = valuation.vol ?? 0
            let t = valuation.years
            let r = market.rate
            let b0 = valuation.blackPrice
            // USD per unit of the forward-terms price: 1 for linear, S'/F' = S/F for inverse.
            let scale = instrument.settlement == .linear ? 1 : s / f
            scenarios.priceMoves.withUnsafeBufferPointer { pm in
                scenarios.volShifts.withUnsafeBufferPointer { vs in
                    scenarios.timeShifts.withUnsafeBufferPointer { ts in
                        Black76Grid.revalue(
                            forward: f, strike: c.strike, years: t, vol: sigma, rate: r, right: c.right,
                            minVol: scenarios.minVol, priceMoves: pm, volShifts: vs, timeShifts: ts,
                            into: UnsafeMutableBufferPointer(rebasing: out[0..<scenarios.regularCount]))
                    }
                }
            }
            var zero = 0.0
            scenarios.extremeMoves.withUnsafeBufferPointer { pm in
                withUnsafePointer(to: &zero) { z in
                    let vs = UnsafeBufferPointer(start: z, count: 1)
                    scenarios.timeShifts.withUnsafeBufferPointer { ts in
                        Black76Grid.revalue(
                            forward: f, strike: c.strike, years: t, vol: sigma, rate: r, right: c.right,
                            minVol: scenarios.minVol, priceMoves: pm, volShifts: vs, timeShifts: ts,
                            into: UnsafeMutableBufferPointer(
                                rebasing: out[scenarios.extremeOffset..<scenarios.rollOffset]))
                    }
                }
            }
            for idx in 0..<scenarios.rollOffset { out[idx] = scale * (out[idx] - b0) }
            let vol = max(sigma, scenarios.minVol)
            for k in 0..<2 {
                // Roll: forwards move, the index does not; σ is the unshifted surface vol.
                let fr = f * (1 + (k == 0 ? rollYears : -rollYears))
                let b = Black76.price(forward: fr, strike: c.strike, years: t, vol: vol, rate: r, right: c.right)
                out[scenarios.rollOffset + k] = instrument.settlement == .linear ? b - b0 : b * s / fr - b0 * s / f
            }
            return Figures(
                valuation: valuation,
                liquidationCostPerUnit: parameters.optionsNotionalLiquidationRate * s
                    + parameters.optionsValueLiquidationRate * abs(valuation.valueUSD),
                shortOptionMinimumPerUnit: parameters.shortOptionMinimumRate * s)
        }
    }

    /// The P&L per unit of holding `units` coins of the underlying itself (a spot balance): `S·m` in price
    /// scenarios, 0 in roll scenarios.
    public static func spotPnL(index s: Double, scenarios: ScenarioSet) -> [Double] {
        (0..<scenarios.count).map { idx in idx < scenarios.rollOffset ? s * scenarios.scenario(idx).priceMove : 0 }
    }
}
