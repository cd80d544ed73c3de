/// One expiry of an implied-vol surface as quoted: `(strike, iv)` points in the order given (strikes USD per coin,
/// ivs annualised decimals). A ``VolSurface`` keeps the quotes it was built from, so a market can be written back
/// exactly and its surface rebuilt against new forwards.
public struct VolQuote: Hashable, Sendable {
    public var expiry: Instant
    /// Strikes, USD per coin (> 0, distinct); as many as `vols`.
    public var strikes: [Double]
    /// Implied vols of the strikes, in (0, 100).
    public var vols: [Double]

    public init(expiry: Instant, strikes: [Double], vols: [Double]) {
        self.expiry = expiry
        self.strikes = strikes
        self.vols = vols
    }

    /// The domain of a quoted strike (USD per coin).
    public static let strikeDomain = OptionContract.strikeDomain
    /// The domain of a quoted implied vol.
    public static let volDomain = NumberDomain.open(0, 100, text: "a vol in (0, 100)")
}
