#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The market state of one underlying at the snapshot's valuation time.
///
/// Prices are USD per coin. `rate` is the annual, continuously compounded USD rate. Forwards missing from the
/// curve are `S·e^{rT}`; the perpetual trades at `perpetualPrice` (the index unless given).
public struct UnderlyingMarket: Hashable, Sendable {
    /// The underlying's name, e.g. `BTC`.
    public var name: String
    /// Index price `S`, USD per coin (> 0).
    public var index: Double
    /// Continuously compounded annual rate `r`.
    public var rate: Double
    /// Quoted forwards by expiry, USD per coin.
    public var forwards: [Instant: Double]
    /// The perpetual's price if quoted; otherwise the index is used.
    public var quotedPerpetualPrice: Double?
    /// The implied-vol surface; `nil` when the underlying has no options quoted.
    public var volSurface: VolSurface?
    /// Valuation time of the snapshot this market belongs to.
    public var valuationTime: Instant

    public init(
        name: String, index: Double, rate: Double = 0, forwards: [Instant: Double] = [:],
        perpetualPrice: Double? = nil, volSurface: VolSurface? = nil, valuationTime: Instant
    ) {
        self.name = name
        self.index = index
        self.rate = rate
        self.forwards = forwards
        self.quotedPerpetualPrice = perpetualPrice
        self.volSurface = volSurface
        self.valuationTime = valuationTime
    }

    /// Years from valuation time to `expiry`.
    @inlinable
    public func years(to expiry: Instant) -> Double { valuationTime.years(until: expiry) }

    /// `F(T)`: the quoted forward of `expiry`, else `S·e^{rT}`.
    public func forward(expiry: Instant) -> Double {
        if let f = forwards[expiry] { return f }
        return index * exp(rate * years(to: expiry))
    }

    /// The perpetual's price: quoted, else the index.
    public var perpetualPrice: Double { quotedPerpetualPrice ?? index }

    /// The price a future or perpetual trades at (`F(T)` or the perpetual price).
    public func futuresPrice(expiry: Instant?) -> Double {
        expiry.map { forward(expiry: $0) } ?? perpetualPrice
    }

    /// The surface vol of an option, read at the option's own log-moneyness; `nil` without a surface.
    public func impliedVol(strike: Double, expiry: Instant) -> Double? {
        volSurface?.vol(strike: strike, years: years(to: expiry), forward: forward(expiry: expiry))
    }
}
