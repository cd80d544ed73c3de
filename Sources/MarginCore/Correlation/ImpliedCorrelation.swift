/// Correlations implied by option prices on cross rates.
///
/// The cross `base/quote` is the ratio of its legs, so its log-return is the difference of theirs
/// (`ln(B/Q) = ln B − ln Q`) and its variance `σ_cross² = σ_base² + σ_quote² − 2ρ·σ_base·σ_quote`; hence
///
///     ρ(base, quote) = (σ_base² + σ_quote² − σ_cross²) / (2·σ_base·σ_quote)
///
/// with the three at-the-money vols of one expiry T: each surface read at log-moneyness k = 0 at T by
/// MARGIN_MODEL.md's smile and term rules, exactly as an option of expiry T struck at that surface's forward F(T)
/// reads it (``UnderlyingMarket/impliedVol(strike:expiry:)`` with strike F(T)). Vols are annualised decimals;
/// ρ is dimensionless. A value outside [−1, 1] means the cross's vols are inconsistent with its legs' and is an
/// error naming the cross and the expiry, never clamped.
///
/// ``init(snapshot:)`` reports every expiry of every cross's surface; ``init(snapshot:tenorYears:)`` one value per
/// cross at a fixed tenor (the three surfaces term-interpolated to it), which ``CorrelationTableRule`` uses.
/// A pure value: no I/O, deterministic.
public struct ImpliedCorrelation: Hashable, Sendable {
    /// One pair of underlyings at one expiry.
    public struct Pair: Hashable, Sendable {
        /// The pair's first underlying by name (`first < second`).
        public var first: String
        /// The pair's second underlying by name.
        public var second: String
        /// The cross rate it is implied from, `"BASE/QUOTE"`.
        public var cross: String
        /// The expiry T the vols are read at.
        public var expiry: Instant
        /// Years from valuation time to T.
        public var years: Double
        /// The implied correlation, in [−1, 1].
        public var implied: Double
        /// At-the-money vol of `first` at T (annualised decimal).
        public var firstVol: Double
        /// At-the-money vol of `second` at T.
        public var secondVol: Double
        /// At-the-money vol of the cross at T.
        public var crossVol: Double
    }

    /// The snapshot's valuation time.
    public var valuationTime: Instant
    /// Sorted by pair (`first`, then `second`), then expiry, then cross name.
    public var pairs: [Pair]

    /// The implied correlation at every expiry of every cross rate of `snapshot`.
    ///
    /// - Throws: ``InputError`` at `$.crossRates[i]…` when a leg is not an underlying of the snapshot or has no vol
    ///   surface, the cross has none, or an implied ρ falls outside [−1, 1] (the reason names cross and expiry).
    public init(snapshot: MarketSnapshot) throws(InputError) {
        var pairs: [Pair] = []
        for (i, cross) in snapshot.crossRates.enumerated() {
            guard let surface = cross.market.volSurface else {
                throw InputError.missing(path: "$.crossRates[\(i)].volSurface")
            }
            for slice in surface.slices {
                pairs.append(try ImpliedCorrelation.pair(cross, index: i, expiry: slice.expiry, snapshot: snapshot))
            }
        }
        self.init(valuationTime: snapshot.valuationTime, pairs: pairs)
    }

    /// The implied correlation of every cross rate of `snapshot` at the tenor `tenorYears` (the expiry
    /// `valuationTime + tenor`, rounded to the nanosecond): the same formula with each surface read at k = 0 there.
    ///
    /// - Throws: as ``init(snapshot:)``; also when `tenorYears` is not in (0, 100].
    public init(snapshot: MarketSnapshot, tenorYears: Double) throws(InputError) {
        guard tenorYears.isFinite, tenorYears > 0, tenorYears <= 100 else {
            throw InputError.invalid(path: "tenor", reason: "must be a number of years in (0, 100], got \(tenorYears)")
        }
        let nanos = Int64((tenorYears * Instant.secondsPerYear * 1e9).rounded())
        let expiry = Instant(nanosecondsSinceEpoch: snapshot.valuationTime.nanosecondsSinceEpoch + nanos)
        var pairs: [Pair] = []
        for (i, cross) in snapshot.crossRates.enumerated() {
            guard cross.market.volSurface != nil else {
                throw InputError.missing(path: "$.crossRates[\(i)].volSurface")
            }
            pairs.append(try ImpliedCorrelation.pair(cross, index: i, expiry: expiry, snapshot: snapshot))
        }
        self.init(valuationTime: snapshot.valuationTime, pairs: pairs)
    }

    /// A list of pairs as given, sorted.
    public init(valuationTime: Instant, pairs: [Pair]) {
        self.valuationTime = valuationTime
        self.pairs = pairs.sorted {
            ($0.first, $0.second, $0.expiry, $0.cross) < ($1.first, $1.second, $1.expiry, $1.cross)
        }
    }

    /// `(σ_base² + σ_quote² − σ_cross²) / (2·σ_base·σ_quote)`: not clamped, NaN if a leg's vol is 0.
    public static func correlation(baseVol: Double, quoteVol: Double, crossVol: Double) -> Double {
        (baseVol * baseVol + quoteVol * quoteVol - crossVol * crossVol) / (2 * baseVol * quoteVol)
    }

    /// The pairs of `first`/`second` (either order), by expiry.
    public func pairs(_ a: String, _ b: String) -> [Pair] {
        let (first, second) = a < b ? (a, b) : (b, a)
        return pairs.filter { $0.first == first && $0.second == second }
    }

    /// The ATM vol of `market` at `expiry`: its surface read at the forward strike, k = 0.
    private static func atTheMoneyVol(_ market: UnderlyingMarket, expiry: Instant) -> Double? {
        market.impliedVol(strike: market.forward(expiry: expiry), expiry: expiry)
    }

    private static func pair(_ cross: CrossRate, index i: Int, expiry: Instant, snapshot: MarketSnapshot)
        throws(InputError) -> Pair
    {
        let path = "$.crossRates[\(i)]"
        guard let base = snapshot.underlyings[cross.base] else {
            throw InputError.unknownUnderlying(path: "\(path).base", name: cross.base)
        }
        guard let quote = snapshot.underlyings[cross.quote] else {
            throw InputError.unknownUnderlying(path: "\(path).quote", name: cross.quote)
        }
        guard let baseVol = atTheMoneyVol(base, expiry: expiry) else {
            let reason = "\(cross.base) has no vol surface: \(cross.name) implies nothing without it"
            throw InputError.invalid(path: "\(path).base", reason: reason)
        }
        guard let quoteVol = atTheMoneyVol(quote, expiry: expiry) else {
            let reason = "\(cross.quote) has no vol surface: \(cross.name) implies nothing without it"
            throw InputError.invalid(path: "\(path).quote", reason: reason)
        }
        guard let crossVol = atTheMoneyVol(cross.market, expiry: expiry) else {
            throw InputError.missing(path: "\(path).volSurface")
        }
        let rho = correlation(baseVol: baseVol, quoteVol: quoteVol, crossVol: crossVol)
        guard rho >= -1, rho <= 1 else {
            throw InputError.invalid(
                path: "\(path).volSurface",
                reason: "\(cross.name) at \(expiry): implied correlation \(rho) is outside [-1, 1] "
                    + "(ATM vols \(cross.base) \(baseVol), \(cross.quote) \(quoteVol), \(cross.name) \(crossVol)): "
                    + "the cross's vols are inconsistent with its legs'")
        }
        let swap = cross.base > cross.quote
        return Pair(first: swap ? cross.quote : cross.base, second: swap ? cross.base : cross.quote, cross: cross.name,
                    expiry: expiry, years: snapshot.valuationTime.years(until: expiry), implied: rho,
                    firstVol: swap ? quoteVol : baseVol, secondVol: swap ? baseVol : quoteVol, crossVol: crossVol)
    }
}
