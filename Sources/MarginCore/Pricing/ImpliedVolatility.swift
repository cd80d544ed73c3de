#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Black-76 implied volatility: the inverse of ``Black76/price(forward:strike:years:vol:rate:right:)`` in `vol`.
///
/// Algorithm: the price is undiscounted, reduced to its time value (an in-the-money option becomes its
/// out-of-the-money counterpart by put–call parity, `C − P = F − K`, so the solve never sees the cancelling
/// intrinsic part) and normalised by `√(FK)`. With `x = −|ln(F/K)| ≤ 0` and total vol `s = σ√T`, the target is the
/// normalised OTM call `b(x, s) = e^{x/2}Φ(x/s + s/2) − e^{−x/2}Φ(x/s − s/2)`, strictly increasing in `s` from 0 to
/// `e^{x/2}`, convex below the inflection point `s_c = √(2|x|)` and concave above it. A safeguarded Newton iteration
/// (bisection, geometric where possible, whenever a step leaves the current bracket) solves
/// - `ln b(s) = ln β` when `β ≤ e^{x/2}/2`: the logarithm makes the deep out-of-the-money wing, where `b` is
///   Gaussian-small in `1/s`, nearly linear; started at an asymptotic guess below `s_c`, or at `s_c` above it;
/// - `ln(e^{x/2} − b(s)) = ln(e^{x/2} − β)` otherwise (very high total vol), where `e^{x/2} − b` is a sum of two
///   positive terms, so it is accurate even when `β` is close to its bound.
///
/// Vega in these variables is `∂b/∂s = e^{−x²/(2s²) − s²/8}/√(2π)`, evaluated without cancellation.
///
/// Guarantee: iteration stops on a Newton step below `1e-13·s` (or a bracket 4 ulps wide), so the returned vol
/// reprices the option's undiscounted time value to within the rounding of evaluating `b` (≲ 1e-13 relative for
/// time values above `1e-12·√(FK)`; in the far wing, where `b` itself loses digits to cancellation, the vol is
/// still recovered to ≲ 1e-12 relative because the price is very vol-sensitive there). Equivalently:
/// `Black76.price(…, vol: solve(price, …))` returns `price` to ≲ 1e-12 relative, and `σ` is recovered to ≲ 1e-10
/// relative wherever the time value is at least ~1e-12 of the price's scale (deep in-the-money options whose time
/// value is lost to rounding get a vol that reproduces the price, not the original vol). Typically 3–8 iterations.
/// A price equal to the discounted intrinsic value (within 4 ulps of `e^{−rT}·max(F, K)`) has no time value and
/// returns 0, which reprices it exactly.
public enum ImpliedVolatility {
    /// The most objective evaluations (bracketing and iteration) before ``ImpliedVolatilityError/noConvergence``.
    public static let maxIterations = 100

    /// The annualised implied vol (decimal, 0.5 = 50%) at which Black-76 reproduces `price`.
    ///
    /// - Parameters:
    ///   - price: the option's price, USD per coin (discounted, as `Black76.price` returns it); ≥ 0.
    ///   - forward: forward price `F`, USD per coin; > 0.
    ///   - strike: strike `K`, USD per coin; > 0.
    ///   - years: year fraction to expiry `T`; > 0.
    ///   - rate: continuously compounded annual rate `r` (discount `e^{−rT}`).
    ///   - right: call or put.
    /// - Returns: `σ ≥ 0` per year; 0 only when the price is its discounted intrinsic value.
    /// - Throws: ``ImpliedVolatilityError`` naming the offending input, or the bound the price violates.
    public static func solve(price: Double, forward f: Double, strike k: Double, years t: Double, rate r: Double,
                             right: OptionRight) throws(ImpliedVolatilityError) -> Double {
        guard price.isFinite else { throw .notFinite(field: .price, value: price) }
        guard f.isFinite else { throw .notFinite(field: .forward, value: f) }
        guard k.isFinite else { throw .notFinite(field: .strike, value: k) }
        guard t.isFinite else { throw .notFinite(field: .years, value: t) }
        guard r.isFinite else { throw .notFinite(field: .rate, value: r) }
        guard price >= 0 else { throw .negative(field: .price, value: price) }
        guard f > 0 else { throw .notPositive(field: .forward, value: f) }
        guard k > 0 else { throw .notPositive(field: .strike, value: k) }
        guard t > 0 else { throw .expiryNotPositive(years: t) }
        let discount = exp(-r * t)
        guard discount.isNormal, discount.isFinite else { throw .notFinite(field: .rate, value: r) }

        let payoff = max(right.sign * (f - k), 0)
        let intrinsic = discount * payoff
        let bound = discount * (right == .call ? f : k)
        guard price >= intrinsic - 4 * Double.ulpOfOne * discount * max(f, k) else {
            throw .belowIntrinsic(price: price, intrinsic: intrinsic)
        }
        guard price < bound else { throw .aboveUpperBound(price: price, bound: bound) }

        // Undiscounted time value = the OTM counterpart's undiscounted price (put–call parity).
        let timeValue = price / discount - payoff
        guard timeValue > 0 else { return 0 }
        let x = -abs(log(f / k))
        let beta = timeValue / (f.squareRoot() * k.squareRoot())
        guard beta < exp(0.5 * x) else { throw .aboveUpperBound(price: price, bound: bound) }
        return try totalVol(beta: beta, x: x, price: price) / t.squareRoot()
    }

    /// Normalised OTM call `b(x, s)`, its complement `e^{x/2} − b` and vega `∂b/∂s`, for `x ≤ 0`, `s > 0`.
    @inlinable
    static func normalised(x: Double, s: Double) -> (b: Double, complement: Double, vega: Double) {
        let h = x / s
        let half = 0.5 * s
        let up = exp(0.5 * x)
        let down = exp(-0.5 * x)
        let b = up * NormalDistribution.cdf(h + half) - down * NormalDistribution.cdf(h - half)
        let complement = up * NormalDistribution.cdf(-h - half) + down * NormalDistribution.cdf(h - half)
        let vega = NormalDistribution.inverseSqrtTwoPi * exp(-0.5 * (h * h + half * half))
        return (b, complement, vega)
    }

    /// Solves `b(x, s) = β` for the total vol `s = σ√T`, given `0 < β < e^{x/2}`, `x ≤ 0`.
    static func totalVol(beta: Double, x: Double, price: Double) throws(ImpliedVolatilityError) -> Double {
        let upper = exp(0.5 * x)
        let useComplement = beta > 0.5 * upper
        let target = useComplement ? log(upper - beta) : log(beta)
        // Objective g(s), increasing in s, and g'(s).
        func objective(_ s: Double) -> (value: Double, slope: Double) {
            let e = normalised(x: x, s: s)
            if useComplement {
                guard e.complement > 0 else { return (.infinity, 0) }
                return (target - log(e.complement), e.vega / e.complement)
            }
            guard e.b > 0 else { return (-.infinity, 0) }
            return (log(e.b) - target, e.vega / e.b)
        }

        let inflection = (-2 * x).squareRoot()
        let bInflection = x < 0 ? normalised(x: x, s: inflection).b : 0
        var lo = 0.0
        var hi = Double.infinity
        var s: Double
        if useComplement {
            lo = inflection  // b(s_c) < e^{x/2}/2 ≤ β
            s = max(inflection, 1)
        } else if beta <= bInflection {
            // Convex wing: ln b ≈ −x²/(2s²) + const, matched at the inflection point.
            hi = inflection
            s = -x / (2 * (-0.25 * x + log(bInflection / beta))).squareRoot()
        } else {
            // Between s_c and the root; at x = 0, b(s) < s/√(2π), so √(2π)·β is below the root.
            lo = inflection
            s = max(inflection, beta / NormalDistribution.inverseSqrtTwoPi)
        }
        if !(s > lo && s < hi) { s = hi.isFinite ? 0.5 * (lo + hi) : 2 * max(lo, 0.5) }

        var best = (s: s, error: Double.infinity)
        for _ in 0..<maxIterations {
            let (g, slope) = objective(s)
            if g == 0 { return s }
            if abs(g) < best.error { best = (s, abs(g)) }
            if g < 0 { lo = s } else { hi = s }
            let newton = s - g / slope
            if newton > lo && newton < hi {
                if abs(newton - s) <= 1e-13 * s { return newton }
                s = newton
                continue
            }
            // Safeguard: bisect the bracket (geometrically when both ends are positive), or expand it.
            if hi.isInfinite {
                s = 2 * s
            } else if lo > 0 {
                s = (lo * hi).squareRoot()
            } else {
                s = 0.5 * hi
            }
            if hi - lo <= 4 * Double.ulpOfOne * hi { return s }
        }
        // Noisy objective near the root: accept a solution whose time value matches to 1e-12 relative.
        if best.error <= 1e-12 { return best.s }
        throw .noConvergence(price: price, iterations: maxIterations)
    }
}

/// Why ``ImpliedVolatility/solve(price:forward:strike:years:rate:right:)`` found no vol.
public enum ImpliedVolatilityError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An input of the solver.
    public enum Field: String, Hashable, Sendable {
        case price, forward, strike, years, rate
    }

    /// The field is NaN or infinite (for `rate`: also when `e^{−rT}` is not a normal positive number).
    case notFinite(field: Field, value: Double)
    /// The field (the price) is below 0.
    case negative(field: Field, value: Double)
    /// The field (forward or strike, USD per coin) is ≤ 0.
    case notPositive(field: Field, value: Double)
    /// Years to expiry ≤ 0: the option has no time value to invert.
    case expiryNotPositive(years: Double)
    /// The price (USD per coin) is below the discounted intrinsic value `e^{−rT}·max(±(F−K), 0)`.
    case belowIntrinsic(price: Double, intrinsic: Double)
    /// The price (USD per coin) is at or above its no-arbitrage bound, `e^{−rT}·F` for a call and `e^{−rT}·K` for a
    /// put: the implied vol would be infinite.
    case aboveUpperBound(price: Double, bound: Double)
    /// The iteration did not converge within ``ImpliedVolatility/maxIterations`` evaluations.
    case noConvergence(price: Double, iterations: Int)

    /// A one-line explanation naming the field.
    public var description: String {
        switch self {
        case .notFinite(let field, let value): return "\(field.rawValue): \(value) is not a finite number"
        case .negative(let field, let value): return "\(field.rawValue): \(value) is negative"
        case .notPositive(let field, let value): return "\(field.rawValue): \(value) must be > 0"
        case .expiryNotPositive(let years): return "years: \(years) to expiry must be > 0"
        case .belowIntrinsic(let price, let intrinsic):
            return "price: \(price) is below the discounted intrinsic value \(intrinsic)"
        case .aboveUpperBound(let price, let bound):
            return "price: \(price) is at or above the upper bound \(bound)"
        case .noConvergence(let price, let iterations):
            return "price: \(price): implied vol did not converge in \(iterations) iterations"
        }
    }
}
