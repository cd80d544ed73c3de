#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Black (1976) prices and analytic sensitivities of a European option on a forward, per one unit of the underlying.
///
/// Inputs: forward `F` and strike `K` in USD per coin, `years` to expiry, annual vol `σ` (decimal), rate `r`
/// (continuously compounded). Price `= e^{−rT}·[F·Φ(d₁) − K·Φ(d₂)]` for a call, put by parity. At `years ≤ 0` the
/// value is the undiscounted intrinsic `max(±(F−K), 0)` (MARGIN_MODEL.md). All functions are pure and allocation free.
public enum Black76 {
    /// The price, USD per coin.
    @inlinable
    public static func price(forward f: Double, strike k: Double, years t: Double, vol: Double, rate r: Double,
                             right: OptionRight) -> Double {
        if t <= 0 { return max(right.sign * (f - k), 0) }
        let discount = exp(-r * t)
        let sd = vol * t.squareRoot()
        if !(sd > 1e-300) { return discount * max(right.sign * (f - k), 0) }
        let d1 = log(f / k) / sd + 0.5 * sd
        return discount * undiscounted(f: f, k: k, d1: d1, sd: sd, right: right)
    }

    /// `F·Φ(d₁) − K·Φ(d₂)` for a call, `K·Φ(−d₂) − F·Φ(−d₁)` for a put.
    @inlinable
    public static func undiscounted(f: Double, k: Double, d1: Double, sd: Double, right: OptionRight) -> Double {
        let d2 = d1 - sd
        switch right {
        case .call: return max(f * NormalDistribution.cdf(d1) - k * NormalDistribution.cdf(d2), 0)
        case .put: return max(k * NormalDistribution.cdf(-d2) - f * NormalDistribution.cdf(-d1), 0)
        }
    }

    /// Price and sensitivities with respect to the Black-76 inputs (forward held where not differentiated).
    @inlinable
    public static func sensitivities(forward f: Double, strike k: Double, years t: Double, vol: Double, rate r: Double,
                                     right: OptionRight) -> Black76Sensitivities {
        if t <= 0 {
            let itm = right.sign * (f - k) > 0
            return Black76Sensitivities(price: max(right.sign * (f - k), 0), dForward: itm ? right.sign : 0,
                                        dForward2: 0, dVol: 0, theta: 0, rho: 0)
        }
        let discount = exp(-r * t)
        let sqrtT = t.squareRoot()
        let sd = vol * sqrtT
        if !(sd > 1e-300) {
            let intrinsic = discount * max(right.sign * (f - k), 0)
            let itm = right.sign * (f - k) > 0
            return Black76Sensitivities(price: intrinsic, dForward: itm ? discount * right.sign : 0, dForward2: 0,
                                        dVol: 0, theta: r * intrinsic, rho: -t * intrinsic)
        }
        let d1 = log(f / k) / sd + 0.5 * sd
        let price = discount * undiscounted(f: f, k: k, d1: d1, sd: sd, right: right)
        let nd1 = NormalDistribution.pdf(d1)
        let delta = right == .call
            ? discount * NormalDistribution.cdf(d1) : -discount * NormalDistribution.cdf(-d1)
        return Black76Sensitivities(
            price: price,
            dForward: delta,
            dForward2: discount * nd1 / (f * sd),
            dVol: discount * f * nd1 * sqrtT,
            theta: r * price - discount * f * nd1 * vol / (2 * sqrtT),
            rho: -t * price)
    }
}

/// Black-76 price and sensitivities of one option on one unit of the underlying, in the option's premium currency.
public struct Black76Sensitivities: Hashable, Sendable {
    /// Price `V`.
    public var price: Double
    /// `∂V/∂F`.
    public var dForward: Double
    /// `∂²V/∂F²`.
    public var dForward2: Double
    /// `∂V/∂σ`, per 1.00 of vol.
    public var dVol: Double
    /// `−∂V/∂T` with `F`, `σ` held: value change per year of calendar time passing.
    public var theta: Double
    /// `∂V/∂r` with forwards held: `−T·V`.
    public var rho: Double

    public init(price: Double, dForward: Double, dForward2: Double, dVol: Double, theta: Double, rho: Double) {
        self.price = price
        self.dForward = dForward
        self.dForward2 = dForward2
        self.dVol = dVol
        self.theta = theta
        self.rho = rho
    }
}
