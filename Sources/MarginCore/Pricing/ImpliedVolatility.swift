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
/// Guarantee: iteration stops when a Newton step is below `1e-13·s`, or when the objective is down to its own
/// rounding error (a few ulps, amplified by `d²` in the wings), or the bracket is 4 ulps wide. The returned vol
/// therefore reprices the option's undiscounted time value to within the rounding of evaluating `b` (≲ 1e-13
/// relative near the money, ~`ε·|d|/s` in the far wings, where that cancellation is offset by the price's strong
/// vol sensitivity). In terms of the inputs, tested on 12,000 random options (1 hour–3 years, vols 5%–300%, up to
/// 6 standard deviations from the money): `σ` is recovered to ≤ 1e-10 relative for every out-of-the-money option
/// priced above 1e-10·F (≤ 1e-8 above 1e-12·F), and `Black76.price(…, vol: solve(price, …))` reproduces `price` to
/// ≤ 1e-10 relative in all cases — including deep in-the-money ones whose time value is below the price's own
/// rounding, where `σ` is not identifiable and only the price round trip holds. Typically 4–8 evaluations; the
/// safeguard bounds pathological inputs (subnormal prices, |ln(F/K)| in the hundreds) at ``maxIterations``.
/// A price equal to the discounted intrinsic value (down to 4 ulps of `e^{−rT}·max(F, K)` below it, and up to 4 ulps
/// of the payoff above it: rounding noise) has no identifiable time value and returns 0, which reprices it.
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
        guard discount.isNormal else { throw .notFinite(field: .rate, value: r) }

        let payoff = max(right.sign * (f - k), 0)
        let intrinsic = discount * payoff
        let bound = discount * (right == .call ? f : k)
        guard price >= intrinsic - 4 * Double.ulpOfOne * discount * max(f, k) else {
            throw .belowIntrinsic(price: price, intrinsic: intrinsic)
        }
        guard price < bound else { throw .aboveUpperBound(price: price, bound: bound) }

        // Undiscounted time value = the OTM counterpart's undiscounted price (put–call parity).
        // For ITM options, time value within 4 ulps of the payoff is rounding noise: no identifiable vol.
        let timeValue = price / discount - payoff
        guard timeValue > 4 * Double.ulpOfOne * payoff else { return 0 }
        let x = -abs(log(f / k))
        let beta = timeValue / (f.squareRoot() * k.squareRoot())
        guard beta < exp(0.5 * x) else { throw .aboveUpperBound(price: price, bound: bound) }
        return try totalVol(beta: beta, x: x, price: price) / t.squareRoot()
    }

    /// Normalised OTM call `b(x, s)`, its complement `e^{x/2} − b`, vega `∂b/∂s`, and the relative rounding error of
    /// the complement and the absolute one of `b` (a few ulps of the terms `b` is the difference of, amplified by
    /// `d²` as the rounding of `d = x/s ± s/2` moves `Φ(d)` by `|d|·ε·|d|` relative), for `x ≤ 0`, `s > 0`.
    static func normalised(x: Double, s: Double)
        -> (b: Double, complement: Double, vega: Double, relativeNoise: Double, noise: Double) {
        let h = x / s
        let half = 0.5 * s
        let up = exp(0.5 * x)
        let down = exp(-0.5 * x)
        let cdf2 = NormalDistribution.cdf(h - half)
        let complement = up * NormalDistribution.cdf(-h - half) + down * cdf2
        let vega = NormalDistribution.inverseSqrtTwoPi * exp(-0.5 * (h * h + half * half))
        let positive: Double
        let negative: Double
        if h + half > 0 {
            // d₂ < 0 < d₁ (|x| < s²/2): b = e^{x/2}·(Φ(d₁) − Φ(d₂)) + 2·sinh(x/2)·Φ(d₂), where Φ(d₁) − Φ(d₂) is a sum of
            // two erfs; this avoids the ~1/s cancellation of the textbook form at small total vol near the money.
            let inner = 0.5 * (erf((h + half) * NormalDistribution.inverseSqrtTwo)
                               + erf((half - h) * NormalDistribution.inverseSqrtTwo))
            positive = up * inner
            negative = -2 * sinh(0.5 * x) * cdf2
        } else {
            positive = up * NormalDistribution.cdf(h + half)
            negative = down * cdf2
        }
        let relativeNoise = 2 * Double.ulpOfOne * (2 + 2 * (h * h + half * half))
        return (positive - negative, complement, vega, relativeNoise, relativeNoise * (positive + negative))
    }

    /// Solves `b(x, s) = β` for the total vol `s = σ√T`, given `0 < β < e^{x/2}`, `x ≤ 0`.
    static func totalVol(beta: Double, x: Double, price: Double) throws(ImpliedVolatilityError) -> Double {
        let upper = exp(0.5 * x)
        let useComplement = beta > 0.5 * upper
        let target = useComplement ? log(upper - beta) : log(beta)
        // Objective g(s), increasing in s, its slope g'(s), and the rounding error of g.
        func objective(_ s: Double) -> (value: Double, slope: Double, noise: Double) {
            let e = normalised(x: x, s: s)
            if useComplement {
                guard e.complement > 0 else { return (.infinity, 0, 0) }
                return (target - log(e.complement), e.vega / e.complement, e.relativeNoise)
            }
            guard e.b > 0 else { return (-.infinity, 0, 0) }
            return (log(e.b) - target, e.vega / e.b, e.noise / e.b + Double.ulpOfOne)
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
            s = -x / (2 * (-0.25 * x + (log(bInflection) - log(beta)))).squareRoot()
        } else {
            // Between s_c and the root; at x = 0, b(s) < s/√(2π), so √(2π)·β is below the root.
            lo = inflection
            s = max(inflection, beta / NormalDistribution.inverseSqrtTwoPi)
        }
        if !(s > lo && s < hi) { s = hi.isFinite ? 0.5 * (lo + hi) : 2 * max(lo, 0.5) }

        var best = (s: s, error: Double.infinity)
        for _ in 0..<maxIterations {
            let (g, slope, noise) = objective(s)
            if g == 0 { return s }
            if abs(g) < best.error { best = (s, abs(g)) }
            if g < 0 { lo = s } else { hi = s }
            let newton = s - g / slope
            if newton > lo && newton < hi {
                // Converged: the step is negligible, or g is down to its own rounding error.
                if abs(newton - s) <= 1e-13 * s || abs(g) <= noise { return newton }
                s = newton
                continue
            }
            if abs(g) <= noise { return s }
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
        // Unreachable in practice; accept a solution whose time value matches to 1e-12 relative.
        if best.error <= 1e-12 { return best.s }
        throw .noConvergence(price: price, iterations: maxIterations)
    }
}

/// Why ``ImpliedVolatility/solve(price:forward:strike:years:rate:right:)`` found no vol.
public enum ImpliedVolatilityError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An input of the solver.
    public enum Field: String, Hashable, Sendable {
        /// The option price, USD per coin.
        case price
        /// The forward `F`, USD per coin.
        case forward
        /// The strike `K`, USD per coin.
        case strike
        /// The year fraction to expiry `T`.
        case years
        /// The continuously compounded annual rate `r`.
        case rate
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
