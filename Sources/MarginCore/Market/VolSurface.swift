#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An implied-volatility surface for one underlying, interpolated as MARGIN_MODEL.md specifies.
///
/// - Smile: each slice (surface expiry `Tᵢ`) holds its points at log-moneyness `kᵢ = ln(K/F(Tᵢ))` with that
///   expiry's own forward; iv is linear in `k` and flat beyond the first and last point.
/// - Term: between two slices, total variance `w = iv²·T` is linear in `T` at the same `k`; iv is flat before the
///   first and after the last slice.
///
/// Vols are annualised decimals (0.5 = 50%). Queries are O(log n) and allocate nothing.
public struct VolSurface: Hashable, Sendable {
    /// One expiry of the surface.
    public struct Slice: Hashable, Sendable {
        /// The surface expiry.
        public var expiry: Instant
        /// Years from valuation time to `expiry` (> 0).
        public var years: Double
        /// Log-moneyness of each point, ascending.
        public var logMoneyness: [Double]
        /// Implied vol of each point.
        public var vols: [Double]

        /// The smile's iv at log-moneyness `k`: linear between points, flat outside.
        @inlinable
        public func vol(atLogMoneyness k: Double) -> Double {
            let n = logMoneyness.count
            if n == 1 || k <= logMoneyness[0] { return vols[0] }
            if k >= logMoneyness[n - 1] { return vols[n - 1] }
            var lo = 0
            var hi = n - 1
            while hi - lo > 1 {
                let mid = (lo + hi) >> 1
                if logMoneyness[mid] <= k { lo = mid } else { hi = mid }
            }
            let w = (k - logMoneyness[lo]) / (logMoneyness[hi] - logMoneyness[lo])
            return vols[lo] + w * (vols[hi] - vols[lo])
        }
    }

    /// Slices by ascending expiry; never empty.
    public private(set) var slices: [Slice]
    /// The quotes the surface was built from, as given (``VolQuote``): what a market writes back, and what
    /// ``UnderlyingMarket/updated(time:index:rate:forwards:perpetualPrice:volQuotes:path:)`` rebuilds the surface from
    /// against new forwards.
    public private(set) var quotes: [VolQuote]

    /// Builds a surface from quoted points.
    ///
    /// - Parameters:
    ///   - quotes: per expiry, the points; strikes > 0 and distinct, ivs in (0, 100), as many ivs as strikes.
    ///   - valuationTime: the snapshot's time; every expiry must be after it.
    ///   - forward: the forward price `F(Tᵢ)` of each surface expiry.
    /// - Throws: ``InputError`` naming the offending quote (`<path>[i].points[j].iv`).
    public init(quotes: [VolQuote], valuationTime: Instant, forward: (Instant) -> Double,
                path: String = "volSurface") throws(InputError) {
        guard !quotes.isEmpty else { throw InputError.invalid(path: path, reason: "has no expiries") }
        var slices: [Slice] = []
        for (i, quote) in quotes.enumerated() {
            guard quote.expiry.isISO8601Representable else {
                throw .invalid(path: "\(path)[\(i)].expiry", reason: "\(quote.expiry) is outside years 1678–2261")
            }
            let years = valuationTime.years(until: quote.expiry)
            guard years > 0 else {
                throw .invalid(path: "\(path)[\(i)].expiry", reason: "\(quote.expiry) is not after valuation time")
            }
            guard !quote.strikes.isEmpty else { throw .invalid(path: "\(path)[\(i)].points", reason: "is empty") }
            guard quote.strikes.count == quote.vols.count else {
                throw .invalid(path: "\(path)[\(i)].points",
                               reason: "has \(quote.strikes.count) strikes and \(quote.vols.count) vols")
            }
            let f = forward(quote.expiry)
            var points: [(k: Double, vol: Double)] = []
            for (j, (strike, vol)) in zip(quote.strikes, quote.vols).enumerated() {
                guard VolQuote.strikeDomain.contains(strike) else {
                    throw .invalid(path: "\(path)[\(i)].points[\(j)].strike", reason: "must be a finite number > 0")
                }
                guard VolQuote.volDomain.contains(vol) else {
                    throw .invalid(path: "\(path)[\(i)].points[\(j)].iv", reason: "must be a finite number in (0, 100)")
                }
                points.append((log(strike / f), vol))
            }
            points.sort { $0.k < $1.k }
            for j in 1..<max(points.count, 1) where points[j].k == points[j - 1].k {
                throw .invalid(path: "\(path)[\(i)].points", reason: "has two points with the same strike")
            }
            slices.append(Slice(expiry: quote.expiry, years: years, logMoneyness: points.map(\.k), vols: points.map(\.vol)))
        }
        slices.sort { $0.years < $1.years }
        for j in 1..<max(slices.count, 1) where slices[j].expiry == slices[j - 1].expiry {
            throw .invalid(path: path, reason: "has expiry \(slices[j].expiry) twice")
        }
        self.slices = slices
        self.quotes = quotes
    }

    /// Builds a surface from quoted `(strike, vol)` points per expiry
    /// (see ``init(quotes:valuationTime:forward:path:)``).
    public init(
        quotes: [(expiry: Instant, points: [(strike: Double, vol: Double)])],
        valuationTime: Instant,
        forward: (Instant) -> Double,
        path: String = "volSurface"
    ) throws(InputError) {
        try self.init(quotes: quotes.map { VolQuote(expiry: $0.expiry, strikes: $0.points.map(\.strike),
                                                     vols: $0.points.map(\.vol)) },
                      valuationTime: valuationTime, forward: forward, path: path)
    }

    /// Moves every slice's log-moneyness by `dk` (see ``shiftingLogMoneyness(by:)``).
    mutating func shiftLogMoneyness(_ dk: Double) {
        for i in slices.indices { slices[i].logMoneyness = slices[i].logMoneyness.map { $0 + dk } }
    }

    /// The implied vol of strike `strike` at `years` to expiry, whose forward is `forward`.
    ///
    /// Reads every slice at `k = ln(strike/forward)`, the option's own log-moneyness.
    @inlinable
    public func vol(strike: Double, years: Double, forward: Double) -> Double {
        let k = log(strike / forward)
        let first = slices[0]
        if years <= first.years || slices.count == 1 { return first.vol(atLogMoneyness: k) }
        let last = slices[slices.count - 1]
        if years >= last.years { return last.vol(atLogMoneyness: k) }
        var hi = 1
        while slices[hi].years < years { hi += 1 }
        let a = slices[hi - 1]
        let b = slices[hi]
        let va = a.vol(atLogMoneyness: k)
        let vb = b.vol(atLogMoneyness: k)
        let wa = va * va * a.years
        let wb = vb * vb * b.years
        let w = wa + (wb - wa) * (years - a.years) / (b.years - a.years)
        return (w / years).squareRoot()
    }
}
