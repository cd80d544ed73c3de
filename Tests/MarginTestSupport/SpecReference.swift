import MarginCore

#if canImport(Glibc)
import Glibc
#endif

/// An independent, deliberately naive implementation of MARGIN_MODEL.md for tests: every scenario of every
/// position is valued from the formulas in the specification with the scalar `Black76.price`, with no risk-array
/// caching, no batch kernel and no shared code with `MarginCalculator` beyond market lookups.
public struct SpecReference {
    public var market: MarketSnapshot
    public var p = RiskParameters.reference

    public init(market: MarketSnapshot, parameters: RiskParameters = .reference) {
        self.market = market
        p = parameters
    }

    /// USD value of a position in scenario (m, v, τ) with forwards scaled by `fwdFactor(T)` (roll) or `1+m`.
    public func value(_ pos: Position, m: Double, v: Double, tau: Double, roll: Double = 0) -> Double {
        guard let u = market.underlyings[pos.instrument.underlying] else { return .nan }
        let s = u.index
        let sPrime = s * (1 + m)
        switch pos.instrument.kind {
        case .perpetual, .future:
            let f = u.futuresPrice(expiry: pos.instrument.expiry)
            let t = pos.instrument.expiry.map { u.years(to: $0) } ?? 0
            let fPrime = f * (1 + m) * (1 + roll * min(t, 1))
            if pos.instrument.settlement == .linear { return pos.size * (fPrime - f) }
            let sHeld = roll != 0 ? s : sPrime
            return pos.size * (1 / f - 1 / fPrime) * sHeld
        case .option(let c):
            let f = u.forward(expiry: c.expiry)
            let t = u.years(to: c.expiry)
            let sigma0 = u.impliedVol(strike: c.strike, expiry: c.expiry) ?? .nan
            let sigma = max(sigma0 * (1 + v), p.minVol)
            let fPrime = f * (1 + m) * (1 + roll * min(t, 1))
            let b = Black76.price(forward: fPrime, strike: c.strike, years: t - tau, vol: sigma, rate: u.rate, right: c.right)
            if pos.instrument.settlement == .linear { return pos.size * b }
            let sHeld = roll != 0 ? s : sPrime
            return pos.size * b * sHeld / fPrime
        }
    }

    public func currentValue(_ pos: Position) -> Double {
        guard let u = market.underlyings[pos.instrument.underlying], let c = pos.instrument.option else { return 0 }
        let f = u.forward(expiry: c.expiry)
        let t = u.years(to: c.expiry)
        let sigma = u.impliedVol(strike: c.strike, expiry: c.expiry) ?? .nan
        let b = Black76.price(forward: f, strike: c.strike, years: t, vol: sigma, rate: u.rate, right: c.right)
        return pos.instrument.settlement == .linear ? pos.size * b : pos.size * b * u.index / f
    }

    /// P&L of all of `portfolio`'s exposure to `name` in a scenario.
    public func pnl(_ portfolio: Portfolio, _ name: String, m: Double, v: Double, tau: Double, roll: Double = 0) -> Double {
        var total = 0.0
        if let q = portfolio.balances[name], let s = market.underlyings[name]?.index, roll == 0 { total += q * s * m }
        for pos in portfolio.positions where pos.instrument.underlying == name {
            if pos.instrument.option != nil {
                total += value(pos, m: m, v: v, tau: tau, roll: roll) - currentValue(pos)
            } else {
                total += value(pos, m: m, v: v, tau: tau, roll: roll)
            }
        }
        return total
    }

    public struct Components: Equatable {
        public var scan = 0.0, extreme = 0.0, som = 0.0, roll = 0.0, liq = 0.0
        public var curve: [Double] = []
    }

    public func components(_ portfolio: Portfolio, _ name: String) -> Components {
        var c = Components()
        let day = 1.0 / 365
        for m in p.priceMoves {
            var worst = -Double.infinity
            for v in p.volShifts {
                for tau in [0, day] { worst = max(worst, -pnl(portfolio, name, m: m, v: v, tau: tau)) }
            }
            c.curve.append(worst)
        }
        c.scan = max(0, c.curve.max() ?? 0)
        var ext = 0.0
        for m in [-0.45, 0.45] { for tau in [0, day] { ext = max(ext, -pnl(portfolio, name, m: m, v: 0, tau: tau)) } }
        c.extreme = 0.35 * ext
        c.roll = max(0, -pnl(portfolio, name, m: 0, v: 0, tau: 0, roll: 0.01), -pnl(portfolio, name, m: 0, v: 0, tau: 0, roll: -0.01))
        let s = market.underlyings[name]?.index ?? .nan
        for pos in portfolio.positions where pos.instrument.underlying == name {
            if pos.instrument.option != nil {
                if pos.size < 0 { c.som += 0.005 * s * abs(pos.size) }
                c.liq += 0.0005 * s * abs(pos.size) + 0.05 * abs(currentValue(pos))
            } else {
                c.liq += pos.instrument.settlement == .linear ? 0.0005 * s * abs(pos.size) : 0.0005 * abs(pos.size)
            }
        }
        return c
    }

    /// MM in `sum` mode.
    public func maintenanceMarginSum(_ portfolio: Portfolio) -> Double {
        var names = Set(portfolio.positions.map(\.instrument.underlying))
        for (k, _) in portfolio.balances where market.underlyings[k] != nil { names.insert(k) }
        var mm = 0.0
        for n in names.sorted() {
            let c = components(portfolio, n)
            mm += max(c.scan, c.extreme, c.som) + c.roll + c.liq
        }
        return mm
    }
}

/// Relative difference with an absolute floor.
public func relativeDifference(_ a: Double, _ b: Double, floor: Double = 1e-9) -> Double {
    abs(a - b) / max(abs(a), abs(b), floor)
}
