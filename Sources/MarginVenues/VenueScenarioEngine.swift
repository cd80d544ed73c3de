import MarginCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a ``VenueScenarioSpec`` on one risk unit: revalues each instrument in every scenario (full Black-76
/// repricing, MARGIN_MODEL.md's valuation), weights, aggregates, dampens, offsets gains, and computes the roll
/// charge. Venue-neutral: Deribit, SPAN and OKX all run through it.
///
/// P&L is per unit of size (one coin; one USD of notional for inverse futures and perpetuals), positive = gain, in
/// the unit's ``UnitCurrency``. Options are priced with the scalar Black-76 (a venue's grid is a few dozen
/// scenarios); the same inputs give bit-identical results.
public struct VenueScenarioEngine: Sendable {
    public let spec: VenueScenarioSpec
    public let currency: UnitCurrency

    public init(spec: VenueScenarioSpec, currency: UnitCurrency) {
        self.spec = spec
        self.currency = currency
    }

    /// The weighted P&L of one unit of `instrument` per scenario (each scenario's ``ScenarioWeight/scale(priceMove:)``
    /// applied; dampener and gain multiplier are portfolio-level and not applied here).
    ///
    /// - Throws: ``InputError`` if the instrument has expired or an option has no vol surface.
    public func unitPnL(of instrument: Instrument, market: UnderlyingMarket) throws(InputError) -> [Double] {
        let valuation = try InstrumentValuation(instrument: instrument, market: market)
        let s = market.index
        let f = valuation.forward
        var out = [Double](repeating: 0, count: spec.scenarios.count)
        switch instrument.kind {
        case .perpetual, .future:
            // Linear, per coin: F·m. Inverse, per USD notional: (1/F − 1/F')·S' = m·S/F. Value now: 0.
            let usdPerMove = instrument.settlement == .linear ? f : s / f
            for (i, sc) in spec.scenarios.enumerated() {
                out[i] =
                    sc.weight.scale(priceMove: sc.priceMove)
                    * toUnitCurrency(pnlUSD: usdPerMove * sc.priceMove, valueNowUSD: 0, index: s, move: sc.priceMove)
            }
        case .option(let c):
            let sigma = valuation.vol ?? 0
            let t = valuation.years
            let usdPerForwardTerm = instrument.settlement == .linear ? 1 : s / f
            let b0 = Black76.price(
                forward: f, strike: c.strike, years: t, vol: sigma, rate: market.rate, right: c.right)
            let dte = t * 365
            for (i, sc) in spec.scenarios.enumerated() {
                let vol = max(spec.volShock.vol(sc.vol, sigma: sigma, daysToExpiry: dte), spec.minVol)
                let b = Black76.price(
                    forward: f * (1 + sc.priceMove), strike: c.strike, years: t - sc.timeShiftDays / 365,
                    vol: vol, rate: market.rate, right: c.right)
                let pnl = usdPerForwardTerm * (b - b0)
                out[i] =
                    sc.weight.scale(priceMove: sc.priceMove)
                    * toUnitCurrency(pnlUSD: pnl, valueNowUSD: usdPerForwardTerm * b0, index: s, move: sc.priceMove)
            }
        }
        return out
    }

    /// The weighted P&L of one coin of the underlying held as a balance: `S·m` in USD; none in coin (a balance in
    /// the unit's own coin is equity, not risk).
    public func spotUnitPnL(index s: Double) -> [Double] {
        spec.scenarios.map { sc in
            sc.weight.scale(priceMove: sc.priceMove)
                * toUnitCurrency(pnlUSD: s * sc.priceMove, valueNowUSD: s, index: s, move: sc.priceMove)
        }
    }

    /// A USD P&L in the unit's currency: itself in USD; `V'/S' − V/S` in coin.
    @inlinable
    func toUnitCurrency(pnlUSD: Double, valueNowUSD v: Double, index s: Double, move m: Double) -> Double {
        switch currency {
        case .usd: return pnlUSD
        case .coin: return (v + pnlUSD) / (s * (1 + m)) - v / s
        }
    }

    /// Aggregates a unit's summed weighted P&L: each extended loss dampened (Deribit), then each gain multiplied by
    /// the spec's `gainMultiplier`; returns the adjusted vector and the worst scenario.
    ///
    /// - Parameter index: the underlying's index `S`, USD (the dampener is in USD).
    public func outcome(summed: [Double], index: Double) -> VenueScenarioOutcome {
        let scale = currency == .coin ? index : 1
        var adjusted = summed
        for (i, sc) in spec.scenarios.enumerated() where i < adjusted.count {
            var v = sc.weight.dampened(adjusted[i], priceMove: sc.priceMove, dampenerScale: scale)
            if v > 0 { v *= spec.gainMultiplier }
            adjusted[i] = v
        }
        var worst = 0
        for i in adjusted.indices where -adjusted[i] > -adjusted[worst] { worst = i }
        let loss = adjusted.isEmpty ? 0 : max(0, -adjusted[worst])
        return VenueScenarioOutcome(summed: summed, pnl: adjusted, worstScenario: worst, worstLoss: loss)
    }

    /// The roll (basis) charge of `positions`, in the unit's currency (≥ 0).
    ///
    /// - Throws: ``InputError`` if a position has expired or an option has no vol surface.
    public func rollCharge(positions: [Position], market: UnderlyingMarket) throws(InputError) -> Double {
        let s = market.index
        switch spec.roll {
        case .none:
            return 0
        case .forwardShift(let shift):
            var up = 0.0
            var down = 0.0
            for p in positions {
                let v = try InstrumentValuation(instrument: p.instrument, market: market)
                let f = v.forward
                let k = shift * min(v.years, 1)
                for sign in [1.0, -1.0] {
                    let fr = f * (1 + sign * k)
                    var pnlUSD: Double
                    switch p.instrument.kind {
                    case .perpetual, .future:
                        pnlUSD = p.instrument.settlement == .linear ? fr - f : s * (1 / f - 1 / fr)
                    case .option(let c):
                        let vol = max(v.vol ?? 0, spec.minVol)
                        let b0 = Black76.price(
                            forward: f, strike: c.strike, years: v.years, vol: vol, rate: market.rate,
                            right: c.right)
                        let b = Black76.price(
                            forward: fr, strike: c.strike, years: v.years, vol: vol, rate: market.rate,
                            right: c.right)
                        pnlUSD = p.instrument.settlement == .linear ? b - b0 : b * s / fr - b0 * s / f
                    }
                    let pnl = currency == .coin ? pnlUSD / s : pnlUSD
                    if sign > 0 { up += p.size * pnl } else { down += p.size * pnl }
                }
            }
            return max(0, -up, -down)
        case .annualisedMove(let rate, let minimum, let perpetual):
            // Net coin position per expiry, in first-seen order (a fixed order: bit-identical sums).
            var order: [Instant?] = []
            var net: [Instant?: Double] = [:]
            var years: [Instant?: Double] = [:]
            for p in positions {
                let v = try InstrumentValuation(instrument: p.instrument, market: market)
                let coins: Double
                switch p.instrument.kind {
                case .perpetual, .future:
                    coins = p.instrument.settlement == .linear ? p.size : p.size / v.forward
                case .option(let c):
                    let b = Black76.sensitivities(
                        forward: v.forward, strike: c.strike, years: v.years, vol: v.vol ?? 0,
                        rate: market.rate, right: c.right)
                    coins = p.size * b.dForward
                }
                let key = p.instrument.expiry
                if net[key] == nil { order.append(key) }
                net[key, default: 0] += coins
                years[key] = v.years
            }
            var charge = 0.0
            for key in order {
                let move = key == nil ? perpetual : max(minimum, exp(rate * (years[key] ?? 0)) - 1)
                charge += abs(net[key] ?? 0) * move
            }
            return currency == .coin ? charge : charge * s
        }
    }
}

/// A risk unit's scenario results, in the unit's currency (positive = gain).
public struct VenueScenarioOutcome: Hashable, Sendable {
    /// The weighted P&L summed over positions, before the dampener and the gain multiplier.
    public var summed: [Double]
    /// After the dampener and the gain multiplier: the vector the worst case is read from.
    public var pnl: [Double]
    /// Index of the worst scenario (first on ties).
    public var worstScenario: Int
    /// `max(0, −pnl[worstScenario])`.
    public var worstLoss: Double
}
